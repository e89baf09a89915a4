package io.distill.jobs;

import io.distill.teacher.SoftLabelAction;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/** {@code soft-labels}: a teacher's logits and softmax(logits / T) for every row of a dataset, as Parquet. */
final class SoftLabelsCommand implements Command {
  @Override
  public String name() {
    return "soft-labels";
  }

  @Override
  public String usage() {
    return String.join("\n",
        "  soft-labels --teacher MODEL.zip --data DATASET --output DIR --temperature T [--batch 256] [--top-k 0]",
        "              [--partitions 0]",
        "      Runs the teacher over DATASET (Parquet id, features, label) and publishes DIR with id, features,",
        "      label, teacher_logits, soft_labels (or top_k_indices, top_k_probabilities with --top-k K) and",
        "      DIR/_manifest.json. --partitions 0 keeps the input's partitioning.");
  }

  @Override
  public Runnable plan(List<String> args) {
    Options o = Options.parse(name(), args, Set.of("teacher", "data", "output", "temperature", "batch", "top-k",
        "partitions"));
    String teacher = o.required("teacher");
    String data = o.required("data");
    String output = o.required("output");
    o.required("temperature");
    double temperature = o.getDouble("temperature", Double.NaN, 0, false);
    int batch = o.getInt("batch", 256, 1);
    int topK = o.getInt("top-k", 0, 0);
    int partitions = o.getInt("partitions", 0, 0);
    return () -> {
      SparkSession spark = SparkSession.builder().appName("distill: soft-labels").getOrCreate();
      SoftLabelAction.Result result = SoftLabelAction.of(spark).teacher(teacher).data(data).output(output)
          .temperature(temperature).batchSize(batch).topK(topK).partitions(partitions).execute();
      System.out.printf("Soft labels at T=%s: %d rows in %.1f s (%.0f rows/s) -> %s%n", temperature, result.rows(),
          result.seconds(), result.rowsPerSecond(), result.outputPath());
    };
  }
}
