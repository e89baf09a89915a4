package io.distill.jobs.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.HadoopFiles;
import io.distill.core.RecordStore;
import io.distill.jobs.config.RunConfig;
import io.distill.student.ModelMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * A finished run's results as other tools read them (bench/quality, notebooks' helpers): metrics,
 * history, stages.
 */
public final class RunResults {
  private final SparkSession spark;
  private final RunDirectory run;

  private RunResults(SparkSession spark, String runDir) {
    this.spark = spark;
    this.run = new RunDirectory(runDir, spark.sparkContext().hadoopConfiguration());
  }

  public static RunResults of(SparkSession spark, String runDir) {
    return new RunResults(spark, runDir);
  }

  public RunDirectory directory() {
    return run;
  }

  /** One row per model, from {@code metrics/}. */
  public List<ModelMetrics> metrics() {
    return spark.read().parquet(run.metrics()).collectAsList().stream()
        .map(r -> RecordRows.fromRow(r, ModelMetrics.class))
        .toList();
  }

  /** One row per model per epoch, from {@code history/}. */
  public List<HistoryRow> history() {
    return spark.read().parquet(run.history()).collectAsList().stream()
        .map(r -> RecordRows.fromRow(r, HistoryRow.class))
        .toList();
  }

  /** Seconds each stage took when it last ran, in pipeline order. */
  public Map<String, Double> stageSeconds() {
    Map<String, Double> out = new LinkedHashMap<>();
    RecordStore stages = run.stageRecords();
    for (String s : RunConfig.STAGES) {
      stages.read(s, Object.class).ifPresent(e -> out.put(s, e.seconds()));
    }
    return out;
  }

  /** The run's {@code manifest.json} as plain values. */
  public Map<?, ?> manifest() {
    String path = run.path(RunDirectory.MANIFEST);
    try (InputStream in = HadoopFiles.openRaw(path, spark.sparkContext().hadoopConfiguration())) {
      return new ObjectMapper().readValue(in, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * What the teacher stage recorded (its model file, shape description, epochs kept), if it ran.
   */
  public Optional<Map<?, ?>> teacher() {
    return run.stageRecords().read("teacher", Map.class).map(RecordStore.Entry::output);
  }
}
