package io.distill.jobs;

import io.distill.dataset.DatasetSchema;
import io.distill.jobs.config.Params;
import io.distill.teacher.TeacherNetworks;
import io.distill.teacher.TrainTeacherAction;
import io.distill.trainer.InputJitter;
import io.distill.trainer.Optimiser;
import io.distill.trainer.TrainingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train-teacher}: a teacher trained with the Spark trainer on an imported dataset's training
 * rows (its validation rows held out and measured every epoch, the best epoch kept), saved as a
 * DL4J model zip with its sidecar. Its options are the run configuration's teacher, training and
 * split parameters, with their defaults.
 */
@Command(
    name = "train-teacher",
    mixinStandardHelpOptions = true,
    description = {
      "Trains the MLP teacher (teacher.hidden, dropout, max-norm), or the"
          + " network of a DL4J JSON configuration, on DIR/train less --validation-rows rows held out (stratified by"
          + " label), measures those after every epoch, keeps the best epoch and saves MODEL.zip and MODEL.zip.json;"
          + " DIR/test is not read. With --checkpoint-dir, a rerun resumes from the last finished epoch."
    })
final class TrainTeacherCommand implements JobCommand {
  static final ParamOptions PARAMS =
      new ParamOptions()
          .add("--dl4j-json", Params.TEACHER_DL4J_JSON)
          .add("--hidden", Params.TEACHER_HIDDEN)
          .add("--input-retain", Params.TEACHER_INPUT_RETAIN)
          .add("--hidden-retain", Params.TEACHER_HIDDEN_RETAIN)
          .add("--max-norm", Params.TEACHER_MAX_NORM)
          .add("--learning-rate", Params.TEACHER_LEARNING_RATE)
          .add("--momentum", Params.TEACHER_MOMENTUM)
          .add("--lr-decay", Params.TEACHER_LR_DECAY)
          .add("--epochs", Params.TEACHER_EPOCHS)
          .add("--jitter", Params.TEACHER_JITTER)
          .add("--workers", Params.TRAINING_WORKERS)
          .add("--batch", Params.TEACHER_BATCH_SIZE)
          .add("--averaging", Params.TEACHER_AVERAGING_PERIOD)
          .add("--seed", Params.TRAINING_SEED)
          .add("--validation-rows", Params.DATA_VALIDATION_ROWS)
          .add("--validation-seed", Params.DATA_VALIDATION_SEED);

  @Spec CommandSpec spec;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      required = true,
      description = "An imported dataset (DIR/train).")
  String data;

  @Option(
      names = "--output",
      paramLabel = "MODEL.zip",
      required = true,
      description = "Where the teacher goes.")
  String output;

  @Option(
      names = "--patience",
      paramLabel = "N",
      description =
          "Stop after N epochs without a better validation" + " accuracy; 0 (default) = never.")
  int patience;

  @Option(
      names = "--checkpoint-dir",
      paramLabel = "DIR",
      description = "Checkpoint every epoch there; a rerun" + " resumes.")
  String checkpointDir;

  @Mixin SessionOptions session = new SessionOptions();

  @Override
  public Runnable plan() {
    if (patience < 0) {
      throw new UsageException(
          "train-teacher: --patience must be at least 0, cannot be: " + patience);
    }
    String json = PARAMS.get(spec, "--dl4j-json", Params.TEACHER_DL4J_JSON);
    String configuration = json == null ? null : readText(json);
    List<Integer> hidden = PARAMS.get(spec, "--hidden", Params.TEACHER_HIDDEN);
    double inputRetain = PARAMS.get(spec, "--input-retain", Params.TEACHER_INPUT_RETAIN);
    double hiddenRetain = PARAMS.get(spec, "--hidden-retain", Params.TEACHER_HIDDEN_RETAIN);
    Double maxNorm = PARAMS.get(spec, "--max-norm", Params.TEACHER_MAX_NORM);
    double learningRate = PARAMS.get(spec, "--learning-rate", Params.TEACHER_LEARNING_RATE);
    double momentum = PARAMS.get(spec, "--momentum", Params.TEACHER_MOMENTUM);
    double decay = PARAMS.get(spec, "--lr-decay", Params.TEACHER_LR_DECAY);
    int jitter = PARAMS.get(spec, "--jitter", Params.TEACHER_JITTER);
    long seed = PARAMS.get(spec, "--seed", Params.TRAINING_SEED);
    long validationRows = PARAMS.get(spec, "--validation-rows", Params.DATA_VALIDATION_ROWS);
    long validationSeed = PARAMS.get(spec, "--validation-seed", Params.DATA_VALIDATION_SEED);
    TrainingSettings.Builder settings =
        TrainingSettings.builder()
            .epochs(PARAMS.get(spec, "--epochs", Params.TEACHER_EPOCHS))
            .workers(PARAMS.get(spec, "--workers", Params.TRAINING_WORKERS))
            .batchSizePerWorker(PARAMS.get(spec, "--batch", Params.TEACHER_BATCH_SIZE))
            .averagingPeriod(PARAMS.get(spec, "--averaging", Params.TEACHER_AVERAGING_PERIOD))
            .seed(seed)
            .earlyStoppingPatience(patience)
            .checkpointDir(checkpointDir);
    return () -> {
      SparkSession spark = Sessions.create("distill: train-teacher", session);
      Row shape =
          spark
              .read()
              .parquet(data + "/" + DatasetSchema.TRAIN)
              .agg(
                  functions.max(functions.size(functions.col(DatasetSchema.FEATURES))),
                  functions.max(DatasetSchema.LABEL))
              .first();
      int features = shape.getInt(0);
      MultiLayerConfiguration network =
          configuration != null
              ? TeacherNetworks.fromJson(configuration, json)
              : TeacherNetworks.mlp(
                  features,
                  hidden.stream().mapToInt(Integer::intValue).toArray(),
                  shape.getInt(1) + 1,
                  inputRetain,
                  hiddenRetain,
                  maxNorm,
                  Optimiser.nesterov(learningRate, momentum, decay).updater(),
                  seed);
      TrainTeacherAction.Result result =
          TrainTeacherAction.of(spark)
              .network(network)
              .data(data, validationRows, validationSeed)
              .output(output)
              .settings(
                  settings
                      .jitter(jitter == 0 ? null : InputJitter.square(features, jitter))
                      .build())
              .execute();
      System.out.printf(
          "Teacher %s: %d validation errors out of %d (%.2f%%) at epoch %d, %.0f s -> %s%n",
          result.info().configuration(),
          result.info().validationErrors(),
          result.info().validationExamples(),
          100 * result.info().validationAccuracy(),
          result.info().epochs(),
          result.info().trainingSeconds(),
          result.modelPath());
    };
  }

  private static String readText(String path) {
    try {
      return Files.readString(Path.of(path));
    } catch (IOException e) {
      throw new UsageException(
          "train-teacher: cannot read --dl4j-json " + path + ": " + e.getMessage());
    }
  }
}
