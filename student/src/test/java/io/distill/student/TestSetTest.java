package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.dataset.EmbeddedMnist;
import io.distill.dataset.LocalSpark;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class TestSetTest {
  private static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.LongType, true)
      .add("features", DataTypes.createArrayType(DataTypes.FloatType, true), true)
      .add("label", DataTypes.IntegerType, true)
      .add("teacher_logits", DataTypes.createArrayType(DataTypes.FloatType, true), true);

  @Test
  void theEmbeddedTestSplitIsLoadedInIdOrder() {
    TestSet test = TestSet.of(EmbeddedMnist.test());
    assertEquals(1000, test.size());
    assertEquals(784, test.inputWidth());
    assertEquals(DataType.FLOAT, test.features().dataType());
    assertFalse(test.hasTeacherLogits());
    assertEquals(-1, test.numClasses());
    long[] ids = test.ids();
    for (int i = 0; i < ids.length; i++) {
      assertEquals(i, ids[i], "the test split's ids are its record numbers");
    }
    List<Row> expected = EmbeddedMnist.test().where("id = 17").collectAsList();
    assertEquals(expected.get(0).getInt(2), test.label(17));
    List<Object> pixels = expected.get(0).getList(1);
    float[] row = test.features().getRow(17).toFloatVector();
    for (int k = 0; k < 784; k++) {
      assertEquals((Float) pixels.get(k), row[k], 0f);
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, test::teacherLogits);
    assertEquals("TestSet: no teacher logits were given (use withTeacherLogits)", e.getMessage());
  }

  @Test
  void rowsAreSortedByIdAndTeacherLogitsFollowTheirRows() {
    TestSet set = TestSet.of(frame(
        RowFactory.create(30L, floats(3, 3), 2, floats(0.3f, 0.1f, 0.2f)),
        RowFactory.create(10L, floats(1, 1), 0, floats(1f, 0f, 0f)),
        RowFactory.create(20L, floats(2, 2), 1, floats(0f, 2f, 0f))), "teacher_logits");
    assertArrayEquals(new long[] {10, 20, 30}, set.ids());
    assertArrayEquals(new int[] {0, 1, 2}, set.labels());
    assertArrayEquals(new float[][] {{1, 1}, {2, 2}, {3, 3}}, set.features().toFloatMatrix());
    assertArrayEquals(new float[][] {{1, 0, 0}, {0, 2, 0}, {0.3f, 0.1f, 0.2f}}, set.teacherLogits().toFloatMatrix());
    assertEquals(3, set.numClasses());
    TestSet first = set.first(2);
    assertArrayEquals(new long[] {10, 20}, first.ids());
    assertArrayEquals(new float[][] {{1, 0, 0}, {0, 2, 0}}, first.teacherLogits().toFloatMatrix());
  }

  @Test
  void raggedFeaturesAreRefusedNamingTheId() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(frame(
        RowFactory.create(1L, floats(1, 1), 0, floats(0, 0)),
        RowFactory.create(2L, floats(1, 1, 1), 0, floats(0, 0)))));
    assertEquals("TestSet: example id 2 has 3 features, the examples before it have 2", e.getMessage());
  }

  @Test
  void duplicateIdsNullsAndNegativeLabelsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(frame(
        RowFactory.create(1L, floats(1), 0, floats(0, 0)),
        RowFactory.create(1L, floats(2), 1, floats(0, 0)))));
    assertEquals("TestSet: id 1 occurs more than once in the test split", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(frame(
        RowFactory.create(4L, new Float[] {1f, null}, 0, floats(0, 0)))));
    assertEquals("TestSet: example id 4 has a null element at index 1 of features", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(frame(
        RowFactory.create(5L, floats(1), -1, floats(0, 0)))));
    assertEquals("TestSet: example id 5 has label -1, labels must be at least 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(frame(
        RowFactory.create(6L, floats(1), 0, floats(0, 0)),
        RowFactory.create(7L, floats(1), 0, floats(0, 0, 0))), "teacher_logits"));
    assertEquals("TestSet: example id 7 has 3 teacher_logits, the examples before it have 2", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TestSet.of(frame(RowFactory.create(8L, floats(1), 0, floats(0, Float.NaN))), "teacher_logits"));
    assertEquals("TestSet: teacher logits must be finite; example id 8 has NaN for class 1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(frame().limit(0)));
    assertEquals("TestSet: the test split is empty", e.getMessage());
  }

  @Test
  void aWrongSchemaOrTeacherColumnIsRefused() {
    Dataset<Row> noLabel = frame(RowFactory.create(1L, floats(1), 0, floats(0, 0))).drop("label");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(noLabel));
    assertTrue(e.getMessage().contains("column 'label' is missing"), e.getMessage());
    Dataset<Row> ok = frame(RowFactory.create(1L, floats(1), 0, floats(0, 0)));
    e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(ok, "soft_labels"));
    assertTrue(e.getMessage().startsWith("TestSet: the test split has no column 'soft_labels'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TestSet.of(ok, "label"));
    assertEquals("TestSet: column 'label' is int, expected array<float>", e.getMessage());
  }

  @Test
  void inMemoryArraysAreChecked() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TestSet.of(Nd4j.zeros(DataType.FLOAT, 3, 4), new int[2]));
    assertEquals("TestSet: features have 3 rows but there are 2 labels", e.getMessage());
    TestSet set = TestSet.of(Nd4j.ones(DataType.DOUBLE, 3, 4), new int[] {0, 1, 1});
    assertEquals(DataType.FLOAT, set.features().dataType());
    assertArrayEquals(new long[] {0, 1, 2}, set.ids());
    e = assertThrows(IllegalArgumentException.class, () -> set.withTeacherLogits(Nd4j.zeros(DataType.FLOAT, 3, 1)));
    assertEquals("TestSet: teacher logits must have at least 2 classes, got 1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> set.withTeacherLogits(Nd4j.zeros(DataType.INT32, 3, 2)));
    assertEquals("TestSet: teacher logits must be floating point, got " + DataType.INT32, e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> set.first(4));
    assertEquals("TestSet: rows must be in [1, 3], cannot be: 4", e.getMessage());
  }

  private static Dataset<Row> frame(Row... rows) {
    return LocalSpark.session().createDataFrame(Arrays.asList(rows), SCHEMA).repartition(2);
  }

  private static Float[] floats(float... values) {
    Float[] boxed = new Float[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return boxed;
  }
}
