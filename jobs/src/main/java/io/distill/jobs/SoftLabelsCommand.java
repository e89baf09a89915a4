package io.distill.jobs;

import io.distill.jobs.config.Params;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.TeacherInput;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code soft-labels}: a teacher's logits and softmax(logits / T) for every row of a dataset, as
 * Parquet by id.
 */
@Command(
    name = "soft-labels",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the teacher over DATASET (Parquet id, features, label) and"
          + " publishes DIR with id, teacher_logits, soft_labels (or top_k_indices, top_k_probabilities with --top-k K)"
          + " and DIR/_manifest.json."
    })
final class SoftLabelsCommand implements JobCommand {
  static final ParamOptions PARAMS =
      new ParamOptions()
          .add("--temperature", Params.SOFT_LABELS_TEMPERATURE)
          .add("--batch", Params.SOFT_LABELS_BATCH_SIZE)
          .add("--top-k", Params.SOFT_LABELS_TOP_K)
          .add("--input-shape", Params.TEACHER_INPUT_SHAPE)
          .add("--input-scale", Params.TEACHER_INPUT_SCALE)
          .add("--input-mean", Params.TEACHER_INPUT_MEAN)
          .add("--input-std", Params.TEACHER_INPUT_STD);

  @Spec CommandSpec spec;

  @Option(
      names = "--teacher",
      paramLabel = "MODEL",
      required = true,
      description =
          "The teacher, as teacher.model"
              + " takes it: a DL4J model zip or an ONNX file (*.onnx), any Hadoop FS URI.")
  String teacher;

  @Option(
      names = "--data",
      paramLabel = "DATASET",
      required = true,
      description = "Parquet id, features, label.")
  String data;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      required = true,
      description = "Where the soft labels go.")
  String output;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      description =
          "Repartition the input into N tasks first;" + " 0 (default) keeps its partitioning.")
  int partitions;

  @Mixin SessionOptions session = new SessionOptions();

  @Override
  public Runnable plan() {
    double temperature = PARAMS.get(spec, "--temperature", Params.SOFT_LABELS_TEMPERATURE);
    int batch = PARAMS.get(spec, "--batch", Params.SOFT_LABELS_BATCH_SIZE);
    int topK = PARAMS.get(spec, "--top-k", Params.SOFT_LABELS_TOP_K);
    TeacherInput input =
        new TeacherInput(
            PARAMS.get(spec, "--input-shape", Params.TEACHER_INPUT_SHAPE),
            PARAMS.get(spec, "--input-scale", Params.TEACHER_INPUT_SCALE),
            PARAMS.get(spec, "--input-mean", Params.TEACHER_INPUT_MEAN),
            PARAMS.get(spec, "--input-std", Params.TEACHER_INPUT_STD));
    if (partitions < 0) {
      throw new UsageException(
          "soft-labels: --partitions must be at least 0, cannot be: " + partitions);
    }
    return () -> {
      SparkSession spark = Sessions.create("distill: soft-labels", session);
      SoftLabelAction.Result result =
          SoftLabelAction.of(spark)
              .teacher(teacher)
              .teacherInput(input)
              .data(data)
              .output(output)
              .temperature(temperature)
              .batchSize(batch)
              .topK(topK)
              .partitions(partitions)
              .execute();
      System.out.printf(
          "Soft labels at T=%s: %d rows in %.1f s (%.0f rows/s) -> %s%n",
          temperature,
          result.rows(),
          result.seconds(),
          result.rowsPerSecond(),
          result.outputPath());
    };
  }
}
