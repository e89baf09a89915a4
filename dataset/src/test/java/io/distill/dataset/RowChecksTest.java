package io.distill.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/**
 * Spark's own array layout takes the block copy; every other ArrayData the value-by-value loop;
 * both say the same.
 */
class RowChecksTest {
  private static final float[] VALUES = {0.5f, -1f, 3.25f, 0f, 1e-30f, 7f, -0f, 65f, 2f};

  @Test
  void unsafeArraysAreCopiedWholeAtTheOffset() {
    UnsafeArrayData unsafe = UnsafeArrayData.fromPrimitiveArray(VALUES);
    float[] out = new float[2 + VALUES.length + 1];
    RowChecks.finiteFloats(unsafe, false, VALUES.length, "d", 1, "features", out, 2);
    float[] expected = new float[out.length];
    System.arraycopy(VALUES, 0, expected, 2, VALUES.length);
    assertArrayEquals(expected, out);
    assertArrayEquals(
        RowChecks.finiteFloats(generic(VALUES), false, VALUES.length, "d", 1, "features"),
        RowChecks.finiteFloats(unsafe, false, VALUES.length, "d", 1, "features"));
  }

  @Test
  void aBadValueIsNamedByItsIndexWhicheverLayout() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      float[] values = VALUES.clone();
      values[6] = bad;
      String expected =
          "Dataset d, row id=17: features[6] is " + bad + ", expected a finite number";
      assertEquals(expected, fails(UnsafeArrayData.fromPrimitiveArray(values), values.length));
      assertEquals(expected, fails(generic(values), values.length));
    }
  }

  @Test
  void aNullElementOfAnUnsafeArrayIsNamed() {
    Object[] boxed = boxed(VALUES);
    boxed[4] = null;
    UnsafeProjection toUnsafe =
        UnsafeProjection.create(
            new DataType[] {DataTypes.createArrayType(DataTypes.FloatType, true)});
    ArrayData withNull =
        toUnsafe
            .apply(new GenericInternalRow(new Object[] {new GenericArrayData(boxed)}))
            .getArray(0);
    assertTrue(withNull instanceof UnsafeArrayData, "the projection makes Spark's own layout");
    assertEquals("Dataset d, row id=17: features[4] is null", fails(withNull, VALUES.length));
  }

  @Test
  void aWrongLengthIsNamedBeforeAnyCopy() {
    assertEquals(
        "Dataset d, row id=17: features has 9 values, expected 784",
        fails(UnsafeArrayData.fromPrimitiveArray(VALUES), 784));
  }

  private static String fails(ArrayData values, int expected) {
    return assertThrows(
            IllegalArgumentException.class,
            () -> RowChecks.finiteFloats(values, false, expected, "d", 17, "features"))
        .getMessage();
  }

  private static ArrayData generic(float[] values) {
    return new GenericArrayData(boxed(values));
  }

  private static Object[] boxed(float[] values) {
    Object[] boxed = new Object[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return boxed;
  }
}
