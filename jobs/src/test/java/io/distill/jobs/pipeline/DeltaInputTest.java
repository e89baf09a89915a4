package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.jobs.config.RunConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Delta Lake table as the training split: read as Delta at the version the run fingerprinted,
 * never as the Parquet files in its directory (which still hold the rows an overwrite removed).
 */
class DeltaInputTest {
  @TempDir Path dir;

  private DistillPipeline.Result importOnly(SparkSession spark, Path run, Path train, Path test) {
    return DistillPipeline.of(
            spark,
            RunConfig.load(
                null,
                List.of(
                    "run.dir=" + run,
                    "data.train=" + train,
                    "data.test=" + test,
                    "soft-labels.transfer-copies=0",
                    "stages=[import]")))
        .execute();
  }

  private static String dataVersion(SparkSession spark, Path run) {
    return String.valueOf(
        ((Map<?, ?>) RunResults.of(spark, run.toString()).manifest().get("data")).get("sha256"));
  }

  @Test
  void aDeltaTableIsReadAsDeltaAtItsVersion() {
    SparkSession spark = LocalSpark.session();
    // The shared test session has no Delta extension; writing a table needs Delta's check off.
    spark.conf().set("spark.databricks.delta.requiredSparkConfsCheck.enabled", "false");
    Dataset<Row> slice = EmbeddedMnist.train();
    Path train = dir.resolve("train-delta");
    Path test = dir.resolve("test");
    EmbeddedMnist.test().write().parquet(test.toString());
    slice.where("id < 3000").write().format("delta").save(train.toString());
    slice.where("id >= 1000").write().format("delta").mode("overwrite").save(train.toString());
    // The trap: the directory's Parquet files still hold version 0's rows.
    assertEquals(7000, spark.read().parquet(train.toString()).count());

    Path run = dir.resolve("run");
    importOnly(spark, run, train, test);
    assertEquals(4000, spark.read().parquet(run.resolve("data/train").toString()).count());
    String first = dataVersion(spark, run);

    // A new version of the table is new data: the import runs again and reads it.
    slice.where("id < 500").write().format("delta").mode("append").save(train.toString());
    importOnly(spark, run, train, test);
    assertEquals(4500, spark.read().parquet(run.resolve("data/train").toString()).count());
    assertNotEquals(first, dataVersion(spark, run));
  }
}
