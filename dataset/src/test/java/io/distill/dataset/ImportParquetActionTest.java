package io.distill.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distill.core.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Datasets the way Spark users hold them: Vector or array features, double labels, no ids, tables,
 * bad rows.
 */
class ImportParquetActionTest {
  @TempDir Path dir;
  private final SparkSession spark = LocalSpark.session();

  /** Rows (a, b, c, y) as a VectorAssembler user has them: raw columns and a double label. */
  private Dataset<Row> raw(int rows, int offset) {
    List<Row> list = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      list.add(
          RowFactory.create(
              (double) i, (double) (i % 5), Math.sin(i), (double) ((i + offset) % 3)));
    }
    StructType schema =
        new StructType()
            .add("a", DataTypes.DoubleType)
            .add("b", DataTypes.DoubleType)
            .add("c", DataTypes.DoubleType)
            .add("y", DataTypes.DoubleType);
    return spark.createDataFrame(list, schema);
  }

  /** As another engine writes Parquet: no _SUCCESS marker. */
  private String parquet(Dataset<Row> rows, String name) throws Exception {
    Path out = dir.resolve(name);
    rows.repartition(2).write().parquet(out.toString());
    Files.delete(out.resolve("_SUCCESS"));
    return out.toString();
  }

  @Test
  void vectorFeaturesDoubleLabelsAndNoIdsAreImported() throws Exception {
    VectorAssembler assembler =
        new VectorAssembler().setInputCols(new String[] {"a", "b", "c"}).setOutputCol("vec");
    String train = parquet(assembler.transform(raw(300, 0)).select("vec", "y"), "train-in");
    assembler.transform(raw(100, 1)).select("vec", "y").createOrReplaceTempView("digits_test");
    ImportParquetAction.Result result =
        ImportParquetAction.of(spark)
            .train(train)
            .test("digits_test")
            .columns("id", "vec", "y")
            .output(dir.resolve("data").toString())
            .quarantine(dir.resolve("quarantine").toString())
            .execute();
    assertEquals(3, result.features());
    assertEquals(300, result.train().rows());
    assertEquals(100, result.test().rows());
    Dataset<Row> imported = spark.read().parquet(result.trainPath());
    DatasetSchema.requireLabelledDataset(imported.schema(), result.trainPath());
    assertEquals(300, imported.select("id").distinct().count(), "ids generated, unique");
    assertEquals(Set3.of(0, 1, 2), Set3.labels(imported));
    assertFalse(Files.exists(dir.resolve("quarantine")), "no bad rows, no quarantine");
  }

  @Test
  void badRowsAreQuarantinedUpToTheLimitAndNamedAboveIt() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < 50; i++) {
      List<Float> f = List.of(0.5f, 1f, (float) i);
      rows.add(RowFactory.create(i, f, (int) (i % 10)));
    }
    rows.set(7, RowFactory.create(7L, List.of(0.5f, 1f), 3));
    rows.set(11, RowFactory.create(11L, List.of(0.5f, Float.NaN, 2f), 3));
    rows.set(20, RowFactory.create(20L, List.of(0.5f, 1f, 2f), 12));
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType))
            .add("label", DataTypes.IntegerType);
    String train = parquet(spark.createDataFrame(rows, schema), "bad-train");
    String test = parquet(spark.createDataFrame(rows.subList(30, 50), schema), "test");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ImportParquetAction.of(spark)
                    .train(train)
                    .test(test)
                    .classes(10)
                    .output(dir.resolve("data").toString())
                    .quarantine(dir.resolve("quarantine").toString())
                    .execute());
    assertEquals(
        "Input "
            + train
            + " has 3 bad rows, more than the 0 allowed (data.max-bad-rows); row id=7:"
            + " features has 2 values, expected 3; row id=11: features has a NaN, infinite or null value; row id=20:"
            + " label is 12, outside [0, 10)",
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("data")), "nothing published");
    assertFalse(Files.exists(dir.resolve("quarantine")), "nothing published");

    ImportParquetAction.Result result =
        ImportParquetAction.of(spark)
            .train(train)
            .test(test)
            .classes(10)
            .maxBadRows(3)
            .output(dir.resolve("data").toString())
            .quarantine(dir.resolve("quarantine").toString())
            .execute();
    assertEquals(47, result.train().rows());
    assertEquals(3, result.train().badRows());
    assertEquals(0, result.test().badRows());
    List<Row> quarantined =
        spark
            .read()
            .parquet(result.train().quarantinePath())
            .orderBy("id")
            .select("id", "reason")
            .collectAsList();
    assertEquals(List.of(7L, 11L, 20L), quarantined.stream().map(r -> r.getLong(0)).toList());
    assertEquals("label is 12, outside [0, 10)", quarantined.get(2).getString(1));
  }

  @Test
  void aWrongSchemaIsNamed() throws Exception {
    String train = parquet(raw(10, 0), "plain");
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ImportParquetAction.of(spark)
                    .train(train)
                    .test(train)
                    .output(dir.resolve("d").toString())
                    .quarantine(dir.resolve("q").toString())
                    .execute());
    assertEquals(
        "Input " + train + " has no column 'features' (columns: a, b, c, y)", missing.getMessage());
    String strings =
        parquet(
            raw(10, 0).selectExpr("array(a, b) AS features", "CAST(y AS string) AS label"), "s");
    IllegalArgumentException label =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ImportParquetAction.of(spark)
                    .train(strings)
                    .test(strings)
                    .output(dir.resolve("d").toString())
                    .quarantine(dir.resolve("q").toString())
                    .execute());
    assertEquals(
        "Input " + strings + ": column 'label' must be int or double, got string",
        label.getMessage());
    IllegalArgumentException none =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ImportParquetAction.of(spark)
                    .train("no_such_table")
                    .test(strings)
                    .output(dir.resolve("d").toString())
                    .quarantine(dir.resolve("q").toString())
                    .execute());
    assertEquals(
        "Input no_such_table does not exist (neither a Parquet path nor a table in the catalog)",
        none.getMessage());
  }

  /**
   * Inputs that cannot be trained on are refused at import, each with one line naming the input,
   * and nothing is published: a duplicated id, no usable training rows, one class, ids the transfer
   * set's copies would overflow; a null or negative id is a bad row.
   */
  @Test
  void inputsThatCannotBeTrainedOnAreRefusedWithOneLine() throws Exception {
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType))
            .add("label", DataTypes.IntegerType);
    List<Float> f = List.of(0.5f, 1f);
    String test = parquet(spark.createDataFrame(List.of(RowFactory.create(0L, f, 1)), schema), "t");
    java.util.function.Function<List<Row>, String> refusal =
        rows -> {
          String train;
          try {
            train = parquet(spark.createDataFrame(rows, schema), "train-" + rows.hashCode());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          IllegalArgumentException e =
              assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      ImportParquetAction.of(spark)
                          .train(train)
                          .test(test)
                          .idHeadroomForCopies(2)
                          .output(dir.resolve("data").toString())
                          .quarantine(dir.resolve("quarantine").toString())
                          .execute());
          assertFalse(Files.exists(dir.resolve("data")), "nothing published");
          assertFalse(Files.exists(dir.resolve("quarantine")), "nothing published");
          return e.getMessage().replace(train, "TRAIN");
        };
    assertEquals(
        "Input TRAIN: id 1 appears 2 times; ids must be unique (id)",
        refusal.apply(
            List.of(
                RowFactory.create(0L, f, 0),
                RowFactory.create(1L, f, 1),
                RowFactory.create(1L, f, 0))));
    assertEquals(
        "Input TRAIN: every training row has label 4; a classifier needs at least two classes",
        refusal.apply(List.of(RowFactory.create(0L, f, 4), RowFactory.create(1L, f, 4))));
    assertEquals(
        "Input TRAIN: id "
            + (Long.MAX_VALUE / 2)
            + " is too large for 2 transfer-set copies per row (copy k of row i gets id i + k ×"
            + " (largest id + 1), which must fit a long): renumber the ids below "
            + (Long.MAX_VALUE / 3)
            + ", or lower soft-labels.transfer-copies",
        refusal.apply(
            List.of(RowFactory.create(0L, f, 0), RowFactory.create(Long.MAX_VALUE / 2, f, 1))));
    assertEquals(
        "Input TRAIN has 2 bad rows, more than the 0 allowed (data.max-bad-rows); row id=null:"
            + " id is null; row id=-3: id is -3, expected 0 or more",
        refusal.apply(
            List.of(
                RowFactory.create(null, f, 0),
                RowFactory.create(-3L, f, 1),
                RowFactory.create(2L, f, 1))));
    assertEquals(
        "Input TRAIN has no rows with features: nothing to train on", refusal.apply(List.of()));
  }

  /** The distinct labels of a dataset. */
  private static final class Set3 {
    static Set<Integer> of(Integer... values) {
      return Set.of(values);
    }

    static Set<Integer> labels(Dataset<Row> rows) {
      Set<Integer> out = new HashSet<>();
      rows.select("label").distinct().collectAsList().forEach(r -> out.add(r.getInt(0)));
      return out;
    }
  }
}
