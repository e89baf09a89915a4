package io.distill.teacher;

import io.distill.dataset.DatasetSchema;
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
 * Trains a teacher on hard labels with the {@link SparkTrainer} and saves it with {@link TeacherModelFile}: the
 * DL4J model zip at {@link #output}, and {@code <output>.json} beside it (data, layer sizes, epochs, test
 * accuracy and errors, parameters, training seconds). The data is an imported dataset directory: its
 * {@code train/} split is trained on and its {@code test/} split measured after every epoch.
 *
 * <p>Cost: that of the trainer (see {@link SparkTrainer}) plus one write of the model. Without a network, it
 * trains Hinton et al.'s MNIST teacher ({@link TeacherNetworks#hintonMnist(long)}).
 */
public final class TrainTeacherAction {
  private static final Logger LOG = LoggerFactory.getLogger(TrainTeacherAction.class);

  private final SparkSession spark;
  private MultiLayerConfiguration network;
  private String data;
  private String output;
  private TrainingSettings settings = TrainingSettings.builder().build();

  private TrainTeacherAction(SparkSession spark) {
    this.spark = spark;
  }

  public static TrainTeacherAction of(SparkSession spark) {
    if (spark == null) {
      throw new IllegalArgumentException("spark session cannot be null");
    }
    return new TrainTeacherAction(spark);
  }

  /** The teacher's configuration; default {@link TeacherNetworks#hintonMnist(long)} with the settings' seed. */
  public TrainTeacherAction network(MultiLayerConfiguration conf) {
    this.network = conf;
    return this;
  }

  /** An imported dataset directory holding {@code train/} and {@code test/} (see ImportMnistAction). */
  public TrainTeacherAction data(String directory) {
    this.data = directory;
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

  public Result execute() {
    if (data == null || data.isBlank()) {
      throw new IllegalStateException("No data set: call data(directory) before execute()");
    }
    if (output == null || output.isBlank()) {
      throw new IllegalStateException("No output set: call output(path) before execute()");
    }
    MultiLayerConfiguration conf = network != null ? network : TeacherNetworks.hintonMnist(settings.seed());
    String trainPath = data + "/" + DatasetSchema.TRAIN;
    String testPath = data + "/" + DatasetSchema.TEST;
    Dataset<Row> test = spark.read().parquet(testPath);
    TrainingResult training = SparkTrainer.of(spark)
        .name("teacher")
        .network(conf)
        .trainingData(spark.read().parquet(trainPath), trainPath)
        .validationData(test, testPath)
        .settings(settings)
        .resume(settings.checkpointDir() != null)
        .execute();
    long testExamples = test.count();
    double accuracy = training.history().stream().filter(e -> e.epoch() == training.keptEpoch()).findFirst()
        .orElse(training.lastEpoch()).validationAccuracy();
    long errors = Math.round((1 - accuracy) * testExamples);
    TeacherInfo info = new TeacherInfo(trainPath, TeacherNetworks.layerSizes(conf), training.keptEpoch(),
        accuracy, errors, testExamples, training.parameterCount(), training.seconds(), Instant.now());
    String saved = TeacherModelFile.save(training.network(), output, info, spark.sparkContext().hadoopConfiguration());
    LOG.info("Teacher {} trained in {} s: {} test errors out of {} ({}), saved to {}", info.configuration(),
        String.format("%.0f", training.seconds()), errors, testExamples,
        String.format("%.2f%%", 100 * accuracy), saved);
    return new Result(saved, info, training);
  }

  /** The saved teacher: where it is, its sidecar, and the training history. */
  public record Result(String modelPath, TeacherInfo info, TrainingResult training) {}
}
