package io.distill.student;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.dataset.HadoopFiles;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.EpochStats;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TrainingResult;
import io.distill.trainer.TrainingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a sweep of students on a soft-label dataset: for every {@link StudentSpec}, a distilled student
 * (DistillationLoss(α, T) on the hard labels and the teacher's logits at T) and a baseline of the same shape on the
 * hard labels only (α = 1), with the same epochs, seed and training settings. Each model goes to
 * {@code <output>/<model>/model.zip}, its history to {@code <output>/<model>/done.json}, written last.
 *
 * <p>Reruns are cheap: a model whose {@code done.json} records the same inputs (spec, settings, data fingerprint)
 * is not trained again, and a model interrupted mid-training resumes from its last epoch checkpoint
 * ({@code <output>/<model>/checkpoints-<fingerprint>}, deleted once the model is done). Cost: one {@link SparkTrainer} run per model, one after the other.
 */
public final class StudentSweep {
  private static final Logger LOG = LoggerFactory.getLogger(StudentSweep.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String DONE = "done.json";
  public static final String MODEL = "model.zip";

  private final SparkSession spark;
  private List<StudentSpec> specs = List.of();
  private String trainingData;
  private String validationData;
  private String teacherLogitsColumn = "teacher_logits";
  private int inputs;
  private int classes;
  private double learningRate = 1e-3;
  private double inputRetain = 1.0;
  private double hiddenRetain = 1.0;
  private TrainingSettings settings = TrainingSettings.builder().build();
  private String output;
  private String dataFingerprint = "";

  private StudentSweep(SparkSession spark) {
    this.spark = spark;
  }

  public static StudentSweep of(SparkSession spark) {
    if (spark == null) {
      throw new IllegalArgumentException("spark session cannot be null");
    }
    return new StudentSweep(spark);
  }

  public StudentSweep specs(List<StudentSpec> value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("a sweep needs at least one student size");
    }
    this.specs = List.copyOf(value);
    return this;
  }

  /** Soft-label dataset to train on (id, features, label, teacher_logits). */
  public StudentSweep trainingData(String path) {
    this.trainingData = path;
    return this;
  }

  /** Optional dataset measured after every epoch. */
  public StudentSweep validationData(String path) {
    this.validationData = path;
    return this;
  }

  public StudentSweep shape(int inputCount, int classCount) {
    this.inputs = inputCount;
    this.classes = classCount;
    return this;
  }

  /** Adam learning rate of the MLP students; default 1e-3. */
  public StudentSweep learningRate(double value) {
    this.learningRate = value;
    return this;
  }

  /** Dropout retain probabilities of the MLP students; default 1 (none). */
  public StudentSweep dropout(double inputRetainProbability, double hiddenRetainProbability) {
    this.inputRetain = inputRetainProbability;
    this.hiddenRetain = hiddenRetainProbability;
    return this;
  }

  public StudentSweep settings(TrainingSettings value) {
    this.settings = value;
    return this;
  }

  /** Directory that receives one sub-directory per model. */
  public StudentSweep output(String path) {
    this.output = path;
    return this;
  }

  /** Identifies the training data's content, so a changed dataset retrains every student. */
  public StudentSweep dataFingerprint(String value) {
    this.dataFingerprint = value;
    return this;
  }

  /** Trains (or finds) every model; distilled and baseline of each size in spec order. */
  public List<TrainedStudent> execute() {
    if (trainingData == null || output == null) {
      throw new IllegalStateException("trainingData(path) and output(path) must be set before execute()");
    }
    if (inputs < 1 || classes < 2) {
      throw new IllegalStateException("shape(inputs, classes) must be set before execute(), got " + inputs + ", "
          + classes);
    }
    List<TrainedStudent> trained = new ArrayList<>();
    for (StudentSpec spec : specs) {
      trained.add(trainOrFind(spec, true));
      trained.add(trainOrFind(spec, false));
    }
    return trained;
  }

  private TrainedStudent trainOrFind(StudentSpec spec, boolean distilled) {
    String model = distilled ? spec.distilledName() : spec.baselineName();
    double t = distilled ? spec.temperature() : Double.NaN;
    double alpha = distilled ? spec.alpha() : 1.0;
    DistillationLoss loss = distilled ? new DistillationLoss(alpha, t) : DistillationLoss.hardLabelsOnly();
    long seed = spec.seed() != null ? spec.seed() : settings.seed();
    MultiLayerConfiguration conf = spec.hidden() != null
        ? StudentNetworks.mlp(inputs, spec.hidden(), classes, inputRetain, hiddenRetain, learningRate, loss, seed)
        : StudentNetworks.fromJson(spec.dl4jJson(), "of student " + spec.name(), loss);
    String dir = output + "/" + model;
    String fingerprint = fingerprint(conf, spec);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Map<String, Object> done = readDone(dir, hadoop);
    if (done != null && fingerprint.equals(done.get("fingerprint"))) {
      LOG.info("Student {}: already trained for these inputs ({}), not redone", model, dir);
      List<EpochStats> history = JSON.convertValue(done.get("history"), new TypeReference<List<EpochStats>>() {});
      return new TrainedStudent(model, distilled ? ModelMetrics.DISTILLED : ModelMetrics.BASELINE, spec.name(), t,
          alpha, dir + "/" + MODEL, history, ((Number) done.get("trainingSeconds")).doubleValue(), false);
    }
    // Checkpoints belong to one set of inputs: a changed spec or dataset starts afresh.
    String checkpoints = dir + "/checkpoints-" + fingerprint.substring(0, 16);
    deleteStaleCheckpoints(dir, checkpoints, hadoop);
    TrainingSettings modelSettings = settings.toBuilder().checkpointDir(checkpoints).seed(seed).build();
    Dataset<Row> train = spark.read().parquet(trainingData);
    SparkTrainer trainer = SparkTrainer.of(spark).name("student " + model).network(conf)
        .trainingData(train, trainingData).settings(modelSettings).resume(true);
    if (distilled) {
      trainer.teacherLogitsColumn(teacherLogitsColumn);
    }
    if (validationData != null) {
      trainer.validationData(spark.read().parquet(validationData), validationData);
    }
    TrainingResult result = trainer.execute();
    writeModel(dir + "/" + MODEL, result, hadoop);
    Map<String, Object> marker = new LinkedHashMap<>();
    marker.put("model", model);
    marker.put("fingerprint", fingerprint);
    marker.put("trainingSeconds", result.seconds());
    marker.put("history", result.history());
    HadoopFiles.writeJson(dir + "/" + DONE, marker, hadoop);
    deleteStaleCheckpoints(dir, null, hadoop);
    return new TrainedStudent(model, distilled ? ModelMetrics.DISTILLED : ModelMetrics.BASELINE, spec.name(), t,
        alpha, dir + "/" + MODEL, result.history(), result.seconds(), true);
  }

  private String fingerprint(MultiLayerConfiguration conf, StudentSpec spec) {
    return HadoopFiles.sha256Hex(conf.toJson() + "|" + settings + "|" + spec + "|" + trainingData + "|"
        + validationData + "|" + dataFingerprint);
  }

  private static void deleteStaleCheckpoints(String dir, String keep, Configuration conf) {
    Path root = new Path(dir);
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (!fs.exists(root)) {
        return;
      }
      for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(root)) {
        String name = s.getPath().getName();
        if (name.startsWith("checkpoints-") && (keep == null || !s.getPath().toString().endsWith(
            keep.substring(keep.lastIndexOf('/'))))) {
          fs.delete(s.getPath(), true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot clean the checkpoints in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> readDone(String dir, Configuration conf) {
    Path path = new Path(dir, DONE);
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path) || !fs.exists(new Path(dir, MODEL))) {
        return null;
      }
      try (InputStream in = fs.open(path)) {
        return JSON.readValue(in, new TypeReference<Map<String, Object>>() {});
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private static void writeModel(String target, TrainingResult result, Configuration conf) {
    HadoopFiles.publishFile(target, conf, out -> ModelSerializer.writeModel(result.network(), out, false));
  }
}
