package io.distill.teacher;

import io.distill.core.SparkAction;
import io.distill.dataset.DatasetSchema;
import io.distill.dataset.ValidationSplit;
import io.distill.trainer.EpochStats;
import io.distill.trainer.LogitsOutput;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TrainingResult;
import io.distill.trainer.TrainingSettings;
import java.time.Instant;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a teacher on hard labels with the {@link SparkTrainer} and saves it with {@link
 * TeacherModelFile}: the DL4J model zip at {@link #output}, and {@code <output>.json} beside it
 * (data, shape, epochs, validation accuracy and errors, parameters, training seconds). The teacher
 * is fitted on the training rows and measured on the validation rows after every epoch; the epoch
 * with the best validation accuracy is the one kept (the test split is never read here: it is
 * measured once, by the evaluation).
 *
 * <p>Cost: that of the trainer (see {@link SparkTrainer}) plus one write of the model. Without a
 * network, it trains Hinton et al.'s MNIST teacher ({@link TeacherNetworks#hintonMnist(long)}).
 */
public final class TrainTeacherAction extends SparkAction<TrainTeacherAction.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(TrainTeacherAction.class);

  private MultiLayerConfiguration network;
  private Dataset<Row> training;
  private String trainingName = "training data";
  private Dataset<Row> validation;
  private String validationName = "validation data";
  private String output;

  /** Default passes over the training rows for a teacher. */
  public static final int DEFAULT_EPOCHS = 3;

  /** Default minibatches per worker between two averagings for a teacher. */
  public static final int DEFAULT_AVERAGING_PERIOD = 5;

  private TrainingSettings settings =
      TrainingSettings.builder()
          .epochs(DEFAULT_EPOCHS)
          .averagingPeriod(DEFAULT_AVERAGING_PERIOD)
          .build();

  private TrainTeacherAction(SparkSession spark) {
    super(spark);
  }

  public static TrainTeacherAction of(SparkSession spark) {
    return new TrainTeacherAction(spark);
  }

  /**
   * The teacher's configuration; default {@link TeacherNetworks#hintonMnist(long)} with the
   * settings' seed.
   */
  public TrainTeacherAction network(MultiLayerConfiguration conf) {
    this.network = conf;
    return this;
  }

  /**
   * The {@code train/} split of an imported dataset directory, with {@code validationRows} of it
   * held out as the validation rows (stratified, chosen by {@code seed}; see {@link
   * ValidationSplit}). Its {@code test/} split is not read.
   */
  public TrainTeacherAction data(String directory, long validationRows, long seed) {
    String path = directory + "/" + DatasetSchema.TRAIN;
    Dataset<Row> train = spark.read().parquet(path);
    ValidationSplit split = ValidationSplit.compute(train, path, validationRows, seed);
    trainingData(split.training(train), path + " (training rows)");
    return validationRows == 0
        ? this
        : validationData(split.validation(train), path + " (validation rows)");
  }

  /**
   * The rows the teacher is fitted on (id, features, label), with a name (e.g. its path) for
   * messages.
   */
  public TrainTeacherAction trainingData(Dataset<Row> rows, String name) {
    this.training = rows;
    this.trainingName = name;
    return this;
  }

  /** The rows measured after every epoch, to pick the epoch kept; none: the last epoch is kept. */
  public TrainTeacherAction validationData(Dataset<Row> rows, String name) {
    this.validation = rows;
    this.validationName = name;
    return this;
  }

  /** Where the model zip goes (any Hadoop FS path); its sidecar is {@code <output>.json}. */
  public TrainTeacherAction output(String path) {
    this.output = path;
    return this;
  }

  public TrainTeacherAction settings(TrainingSettings value) {
    if (value == null) {
      throw new IllegalArgumentException("settings cannot be null");
    }
    this.settings = value;
    return this;
  }

  @Override
  protected String jobGroup() {
    return "teacher";
  }

  @Override
  protected String description() {
    return "Training the teacher on " + trainingName;
  }

  @Override
  protected void validate() {
    require(training, "trainingData(rows, name)");
    require(output, "output(path)");
  }

  @Override
  protected Result doExecute() {
    MultiLayerConfiguration conf =
        network != null ? network : TeacherNetworks.hintonMnist(settings.seed());
    SparkTrainer trainer =
        SparkTrainer.of(spark)
            .name("teacher")
            .network(conf)
            .trainingData(training, trainingName)
            .settings(
                validation == null ? settings : settings.toBuilder().keepBestEpoch(true).build())
            .resume(settings.checkpointDir() != null);
    if (validation != null) {
      trainer.validationData(validation, validationName);
    }
    TrainingResult result = trainer.execute();
    EpochStats kept =
        result.history().stream()
            .filter(e -> e.epoch() == result.keptEpoch())
            .findFirst()
            .orElse(result.lastEpoch());
    long examples = validation == null ? 0 : validation.count();
    double accuracy = validation == null ? 0 : kept.validationAccuracy();
    long errors = Math.round((1 - accuracy) * examples);
    TeacherInfo info =
        new TeacherInfo(
            trainingName,
            LogitsOutput.describe(conf),
            result.keptEpoch(),
            accuracy,
            errors,
            examples,
            result.parameterCount(),
            result.seconds(),
            Instant.now(),
            result.history().isEmpty() ? 0 : result.history().get(0).examples());
    String saved =
        TeacherModelFile.save(
            result.network(), output, info, spark.sparkContext().hadoopConfiguration());
    LOG.info(
        "Teacher {} trained in {} s: epoch {} kept, {} validation errors out of {} ({}), saved to {}",
        info.configuration(),
        String.format("%.0f", result.seconds()),
        result.keptEpoch(),
        errors,
        examples,
        String.format("%.2f%%", 100 * accuracy),
        saved);
    return new Result(saved, info, result);
  }

  /** The saved teacher: where it is, its sidecar, and the training history. */
  public record Result(String modelPath, TeacherInfo info, TrainingResult training) {}
}
