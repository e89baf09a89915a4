package io.distill.bench;

import io.distill.teacher.TeacherNetworks;
import io.distill.teacher.TrainTeacherAction;
import io.distill.trainer.EpochStats;
import io.distill.trainer.Optimiser;
import io.distill.trainer.TrainingSettings;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Trains Hinton's MNIST teacher (784-1200-1200-10, dropout, max-norm) on the full training set with
 * the Spark trainer and writes its test errors (out of 10,000), training time and per-epoch curve
 * to docs/BENCHMARKS.md. Run by bench/teacher:
 *
 * <pre>
 * spark-submit --master 'local[2]' --class io.distill.jobs.bench.TeacherBenchmark distill-job.jar DATA EPOCHS MODEL REPORT
 * </pre>
 */
public final class TeacherBenchmark {
  private TeacherBenchmark() {}

  public static void main(String[] args) {
    if (args.length != 4) {
      System.err.println("usage: TeacherBenchmark DATA_DIR EPOCHS MODEL.zip REPORT.md");
      System.exit(2);
    }
    int epochs = Integer.parseInt(args[1]);
    SparkSession spark = SparkSession.builder().appName("distill: teacher benchmark").getOrCreate();
    TrainingSettings settings =
        TrainingSettings.builder()
            .epochs(epochs)
            .workers(2)
            .batchSizePerWorker(64)
            .averagingPeriod(5)
            .seed(42)
            .build();
    TrainTeacherAction.Result result =
        TrainTeacherAction.of(spark)
            .network(TeacherNetworks.hintonMnist(42))
            .data(args[0], 5000, 1)
            .output(args[2])
            .settings(settings)
            .execute();

    StringBuilder md = new StringBuilder();
    md.append("## Reference teacher on full MNIST\n\n")
        .append(
            "Hinton et al. (2015)'s teacher 784-1200-1200-10: ReLU, dropout (retain 0.8 input, 0.5 hidden),")
        .append(" max-norm ")
        .append(TeacherNetworks.HINTON_MNIST_MAX_NORM)
        .append(", Nesterov momentum (lr ")
        .append(Optimiser.TEACHER_LEARNING_RATE)
        .append(", momentum ")
        .append(Optimiser.TEACHER_MOMENTUM)
        .append("), no input jitter; trained with the Spark trainer: ")
        .append(settings)
        .append(", `local[2]`.\n\n")
        .append("Command: `bench/teacher` (")
        .append(BenchmarkReport.machine())
        .append(")\n\n")
        .append(
            String.format(
                "**%d validation errors out of %d** (5,000 rows held out of the training split) (%.2f %% accuracy) after %d epochs; %,d parameters;"
                    + " training %.0f s. Hinton et al. report 67 errors for this shape (with jittered inputs and far"
                    + " longer training).%n%n",
                result.info().validationErrors(),
                result.info().validationExamples(),
                100 * result.info().validationAccuracy(),
                result.info().epochs(),
                result.info().parameterCount(),
                result.info().trainingSeconds()))
        .append(
            "| epoch | train loss | validation accuracy | validation errors | examples/s | s |\n")
        .append("|---:|---:|---:|---:|---:|---:|\n");
    for (EpochStats e : result.training().history()) {
      md.append(
          String.format(
              "| %d | %.4f | %.2f %% | %d | %,.0f | %.0f |%n",
              e.epoch(),
              e.trainLoss(),
              100 * e.validationAccuracy(),
              Math.round((1 - e.validationAccuracy()) * result.info().validationExamples()),
              e.examplesPerSecond(),
              e.seconds()));
    }
    System.out.println(md);
    BenchmarkReport.writeSection(Path.of(args[3]), "teacher", md.toString());
    spark.stop();
  }
}
