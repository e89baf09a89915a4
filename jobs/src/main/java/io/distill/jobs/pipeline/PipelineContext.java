package io.distill.jobs.pipeline;

import io.distill.core.HadoopFiles;
import io.distill.dataset.DatasetSchema;
import io.distill.jobs.config.RunConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * What every stage of one run works with: the session, the configuration, the run directory and its
 * cache.
 */
record PipelineContext(SparkSession spark, RunConfig config, RunDirectory run, StageRunner stages) {
  /**
   * This context as the stage that reads {@code params} sees it: a configuration that refuses every
   * other key, and a runner that keys the stage by the values of its declared inputs.
   */
  PipelineContext forStage(StageParams params) {
    return new PipelineContext(
        spark,
        config.readableOnly("stage " + params.stage(), params.all()),
        run,
        stages.reading(params));
  }

  Configuration hadoop() {
    return spark.sparkContext().hadoopConfiguration();
  }

  Dataset<Row> read(String path) {
    return spark.read().parquet(path);
  }

  /** {features per row, classes} of a labelled dataset (classes = largest label + 1). */
  int[] shape(String dataset) {
    Row r =
        read(dataset)
            .agg(
                functions.max(functions.size(functions.col(DatasetSchema.FEATURES))),
                functions.max(DatasetSchema.LABEL))
            .first();
    if (r.isNullAt(0)) {
      throw new IllegalArgumentException("Dataset " + dataset + " is empty");
    }
    return new int[] {r.getInt(0), r.getInt(1) + 1};
  }

  /**
   * A small text file (a DL4J JSON configuration) from any Hadoop FS path or {@code
   * classpath:/...}.
   */
  String readText(String path, String what) {
    try (InputStream in = HadoopFiles.openRaw(path, hadoop())) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + what + " " + path + ": " + e.getMessage(), e);
    }
  }
}
