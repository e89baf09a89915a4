package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.jobs.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on data held the way Spark users hold it: a catalog table and a Parquet path written
 * without Spark's marker, Vector features and double labels under other column names, no ids; bad
 * rows quarantined up to data.max-bad-rows.
 */
class BringYourOwnDataTest {
  @TempDir Path dir;

  private RunConfig config(Path run, String... extra) {
    List<String> settings =
        new ArrayList<>(
            List.of(
                "run.dir=" + run,
                "teacher.model=null",
                "teacher.hidden=[16]",
                "teacher.epochs=1",
                "soft-labels.transfer-copies=0",
                "students.epochs=1",
                "students.sizes=[{name=\"8\", hidden=[8]}]",
                "data.features-column=pixels",
                "data.label-column=digit",
                "data.id-column=row_id"));
    settings.addAll(List.of(extra));
    return RunConfig.load(null, settings);
  }

  /** The embedded slice as Vector pixels and a double digit, without ids. */
  private static Dataset<Row> asSparkMlData(Dataset<Row> rows) {
    return rows.select(
        org.apache.spark.ml.functions.array_to_vector(functions.col("features")).as("pixels"),
        functions.col("label").cast("double").as("digit"));
  }

  @Test
  void aTableAndAParquetPathOfAnotherLayoutRunThroughThePipeline() throws Exception {
    SparkSession spark = LocalSpark.session();
    asSparkMlData(EmbeddedMnist.train()).createOrReplaceTempView("digits_train");
    Path test = dir.resolve("digits-test");
    asSparkMlData(EmbeddedMnist.test()).write().parquet(test.toString());
    Files.delete(test.resolve("_SUCCESS")); // as another engine writes it
    Path run = dir.resolve("run");
    DistillPipeline.Result result =
        DistillPipeline.of(spark, config(run, "data.train=digits_train", "data.test=" + test))
            .execute();
    assertEquals(3, result.metrics().size());
    Dataset<Row> imported = spark.read().parquet(run.resolve("data/train").toString());
    assertEquals(5000, imported.count());
    assertEquals(5000, imported.select("id").distinct().count(), "ids generated, unique");
    assertEquals(
        SQLDataTypes.VectorType(), spark.table("digits_train").schema().apply("pixels").dataType());
    assertTrue(Files.readString(run.resolve("manifest.json")).contains("\"quarantined\" : 0"));
  }

  @Test
  void badRowsGoToTheQuarantineUpToTheLimit() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path input = dir.resolve("input");
    Dataset<Row> train =
        EmbeddedMnist.train()
            .select(
                functions.col("id").as("row_id"),
                functions
                    .expr(
                        "CASE WHEN id = 17 THEN slice(features, 1, 700) WHEN id = 18 THEN"
                            + " transform(features, (x, i) -> IF(i = 5, CAST('NaN' AS FLOAT), x)) ELSE features END")
                    .as("pixels"),
                functions
                    .expr("CASE WHEN id = 19 THEN 2.5 ELSE CAST(label AS double) END")
                    .as("digit"));
    train.write().parquet(input.resolve("train").toString());
    EmbeddedMnist.test()
        .select(
            functions.col("id").as("row_id"),
            functions.col("features").as("pixels"),
            functions.col("label").cast("double").as("digit"))
        .write()
        .parquet(input.resolve("test").toString());

    Path refusedRun = dir.resolve("refused");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DistillPipeline.of(
                        spark, config(refusedRun, "data.input=" + input, "data.max-bad-rows=2"))
                    .execute());
    assertTrue(
        e.getMessage()
            .startsWith(
                "Input "
                    + input.resolve("train")
                    + " has 3 bad rows, more than the 2"
                    + " allowed (data.max-bad-rows); row id=17: features has 700 values, expected 784; row id=18: features has"
                    + " a NaN, infinite or null value; row id=19: label is 2.5, expected a whole number"),
        e.getMessage());
    assertFalse(Files.exists(refusedRun.resolve("data")), "nothing imported");

    Path run = dir.resolve("run");
    DistillPipeline.Result result =
        DistillPipeline.of(spark, config(run, "data.input=" + input, "data.max-bad-rows=3"))
            .execute();
    assertEquals(3, result.metrics().size());
    assertEquals(4997, spark.read().parquet(run.resolve("data/train").toString()).count());
    List<Row> quarantined =
        spark
            .read()
            .parquet(run.resolve("quarantine/import/train").toString())
            .orderBy("id")
            .select("id", "reason")
            .collectAsList();
    assertEquals(List.of(17L, 18L, 19L), quarantined.stream().map(r -> r.getLong(0)).toList());
    assertTrue(Files.readString(run.resolve("manifest.json")).contains("\"quarantined\" : 3"));
    assertTrue(
        Files.readString(run.resolve("report/report.md"))
            .contains("3 rows failed the import's checks"));
  }
}
