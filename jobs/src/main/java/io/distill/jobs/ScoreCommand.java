package io.distill.jobs;

import io.distill.serving.ScoreAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code score}: a distilled student (or a teacher) scores a Parquet dataset; Parquet by id comes
 * out.
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Scores DATASET (Parquet with an id and a"
          + " features column) with MODEL and publishes OUT: id, prediction, probability (and logits with --logits), plus"
          + " OUT/_manifest.json. In a Spark ML pipeline, use io.distill.serving.DistilledModel instead."
    })
final class ScoreCommand implements JobCommand {
  @Option(
      names = "--model",
      paramLabel = "MODEL",
      required = true,
      description =
          "A DL4J model zip, or a run's"
              + " students/<model> (or teacher) directory holding model.zip.")
  String model;

  @Option(
      names = "--data",
      paramLabel = "DATASET",
      required = true,
      description = "Parquet to score.")
  String data;

  @Option(
      names = "--output",
      paramLabel = "OUT",
      required = true,
      description = "Where the scores go (replaced" + " whole).")
  String output;

  @Option(names = "--logits", description = "Also write the logits column.")
  boolean logits;

  @Option(
      names = "--batch",
      paramLabel = "ROWS",
      defaultValue = "256",
      description = "Rows per forward pass" + " (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--features-column",
      paramLabel = "NAME",
      defaultValue = "features",
      description =
          "The features"
              + " column: an ML Vector or array<float|double> (default: ${DEFAULT-VALUE}).")
  String featuresColumn;

  @Option(
      names = "--id-column",
      paramLabel = "NAME",
      defaultValue = "id",
      description = "The id column, copied to" + " the output (default: ${DEFAULT-VALUE}).")
  String idColumn;

  @Mixin SessionOptions session = new SessionOptions();

  @Override
  public Runnable plan() {
    if (batch < 1) {
      throw new UsageException("score: --batch must be at least 1, cannot be: " + batch);
    }
    return () -> {
      SparkSession spark = Sessions.create("distill: score", session);
      ScoreAction.Result result =
          ScoreAction.of(spark)
              .model(model)
              .data(data)
              .output(output)
              .logits(logits)
              .batchSize(batch)
              .featuresColumn(featuresColumn)
              .idColumn(idColumn)
              .execute();
      System.out.printf(
          "Scored %d rows in %.1f s (%.0f rows/s) -> %s%n",
          result.rows(), result.seconds(), result.rowsPerSecond(), result.outputPath());
    };
  }
}
