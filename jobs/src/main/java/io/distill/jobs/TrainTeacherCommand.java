package io.distill.jobs;

import io.distill.teacher.TeacherNetworks;
import io.distill.teacher.TrainTeacherAction;
import io.distill.trainer.InputJitter;
import io.distill.trainer.TrainingSettings;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/** {@code train-teacher}: Hinton's MNIST teacher trained with the Spark trainer, saved as a DL4J model zip. */
final class TrainTeacherCommand implements Command {
  @Override
  public String name() {
    return "train-teacher";
  }

  @Override
  public String usage() {
    return String.join("\n",
        "  train-teacher --data DIR --output MODEL.zip [--epochs 10] [--workers 0] [--batch 64] [--averaging 5]",
        "                [--learning-rate 0.1] [--lr-decay 1.0] [--momentum 0.9] [--seed 42] [--patience 0]",
        "                [--jitter 0] [--checkpoint-dir DIR] [--dl4j-json FILE] [--validation-rows 5000]",
        "                [--validation-seed 1]",
        "      Trains 784-1200-1200-10 (dropout, max-norm), or the network of a DL4J JSON configuration, on",
        "      DIR/train less --validation-rows rows held out (stratified by label), measures those after every",
        "      epoch, keeps the best epoch and saves MODEL.zip and MODEL.zip.json; DIR/test is not read.",
        "      --workers 0 = Spark's default parallelism; --patience 0 = no",
        "      early stopping; --lr-decay G multiplies the learning rate by G after every epoch; --jitter P",
        "      shifts each training image by up to P pixels along each axis, afresh every epoch; with",
        "      --checkpoint-dir, a rerun resumes from the last finished epoch.");
  }

  private static String readText(String path) {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of(path));
    } catch (java.io.IOException e) {
      throw new UsageException("train-teacher: cannot read --dl4j-json " + path + ": " + e.getMessage());
    }
  }

  @Override
  public Runnable plan(List<String> args) {
    Options o = Options.parse(name(), args, Set.of("data", "output", "epochs", "workers", "batch", "averaging",
        "learning-rate", "lr-decay", "momentum", "seed", "patience", "checkpoint-dir", "jitter", "dl4j-json",
        "validation-rows", "validation-seed"));
    String dl4jJson = o.get("dl4j-json", null);
    int validationRows = o.getInt("validation-rows", 5000, 0);
    long validationSeed = o.getInt("validation-seed", 1, 0);
    String data = o.required("data");
    String output = o.required("output");
    double learningRate = o.getDouble("learning-rate", TeacherNetworks.DEFAULT_LEARNING_RATE, 0, false);
    double momentum = o.getDouble("momentum", TeacherNetworks.DEFAULT_MOMENTUM, 0, true);
    double decay = o.getDouble("lr-decay", 1.0, 0, false);
    if (decay > 1) {
      throw new UsageException(name() + ": --lr-decay must be in (0, 1], cannot be: " + decay);
    }
    long seed = o.getInt("seed", 42, 0);
    int jitter = o.getInt("jitter", 0, 0);
    TrainingSettings settings = TrainingSettings.builder()
        .epochs(o.getInt("epochs", 10, 1))
        .workers(o.getInt("workers", 0, 0))
        .batchSizePerWorker(o.getInt("batch", 64, 1))
        .averagingPeriod(o.getInt("averaging", 5, 1))
        .seed(seed)
        .earlyStoppingPatience(o.getInt("patience", 0, 0))
        .checkpointDir(o.get("checkpoint-dir", null))
        .jitter(jitter == 0 ? null : InputJitter.square(TeacherNetworks.MNIST_INPUTS, jitter))
        .build();
    return () -> {
      SparkSession spark = SparkSession.builder().appName("distill: train-teacher").getOrCreate();
      TrainTeacherAction.Result result = TrainTeacherAction.of(spark)
          .network(dl4jJson != null ? TeacherNetworks.fromJson(readText(dl4jJson), dl4jJson)
              : TeacherNetworks.hintonMnist(TeacherNetworks.nesterov(learningRate, momentum, decay), seed))
          .data(data, validationRows, validationSeed).output(output).settings(settings).execute();
      System.out.printf("Teacher %s: %d validation errors out of %d (%.2f%%) at epoch %d, %.0f s -> %s%n",
          result.info().configuration(), result.info().validationErrors(), result.info().validationExamples(),
          100 * result.info().validationAccuracy(), result.info().epochs(), result.info().trainingSeconds(),
          result.modelPath());
    };
  }
}
