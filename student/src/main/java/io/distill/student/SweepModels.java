package io.distill.student;

import io.distill.core.Fingerprint;
import io.distill.core.HadoopFiles;
import io.distill.core.RecordStore;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.NetworkZips;
import io.distill.trainer.Optimiser;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TeacherSignal;
import io.distill.trainer.TrainingData;
import io.distill.trainer.TrainingResult;
import io.distill.trainer.TrainingSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every model of a sweep shares, and how one is built, fingerprinted, found, trained with its
 * size's fixed settings and written: the sweep's output and records, trainer settings, optimiser,
 * student shape and the packed data (made on first need). {@link StudentSweep} makes one per run;
 * {@link SearchedSweep} builds its trials on it.
 */
final class SweepModels {
  private static final Logger LOG = LoggerFactory.getLogger(SweepModels.class);

  final SparkSession spark;
  final String output;
  final RecordStore store;
  final TrainingSettings settings;
  private final Optimiser optimiser;
  private final int inputs;
  private final int classes;
  private final double inputRetain;
  private final double hiddenRetain;
  private final String trainingName;
  private final String validationName;
  private final TeacherSignal teacher;
  private final String dataFingerprint;
  private final Map<String, String> warmStarts;
  final Supplier<TrainingData> trainingPack;
  final Supplier<TrainingData> validationPack;

  SweepModels(
      SparkSession spark,
      String output,
      RecordStore store,
      TrainingSettings settings,
      Optimiser optimiser,
      int[] shape,
      double[] retain,
      String trainingName,
      String validationName,
      TeacherSignal teacher,
      String dataFingerprint,
      Map<String, String> warmStarts,
      Supplier<TrainingData> trainingPack,
      Supplier<TrainingData> validationPack) {
    this.spark = spark;
    this.output = output;
    this.store = store;
    this.settings = settings;
    this.optimiser = optimiser;
    this.inputs = shape[0];
    this.classes = shape[1];
    this.inputRetain = retain[0];
    this.hiddenRetain = retain[1];
    this.trainingName = trainingName;
    this.validationName = validationName;
    this.teacher = teacher;
    this.dataFingerprint = dataFingerprint;
    this.warmStarts = warmStarts;
    this.trainingPack = trainingPack;
    this.validationPack = validationPack;
  }

  Configuration hadoop() {
    return spark.sparkContext().hadoopConfiguration();
  }

  /** The sweep's optimiser (a search varies its rate and decay). */
  Optimiser optimiser() {
    return optimiser;
  }

  /** Trains one model with its size's fixed settings, or finds it trained for these inputs. */
  TrainedStudent trainOrFind(StudentSpec spec, boolean distilled) {
    String model = distilled ? spec.distilledName() : spec.baselineName();
    double t = distilled ? spec.temperature() : Double.NaN;
    double alpha = distilled ? spec.alpha() : 1.0;
    DistillationLoss loss =
        distilled
            ? new DistillationLoss(alpha, t, spec.standardise(), spec.dkdBeta())
            : DistillationLoss.hardLabelsOnly();
    long seed = seed(spec, distilled);
    MultiLayerConfiguration conf = network(spec, loss, optimiser(spec, distilled), seed);
    String dir = output + "/" + model;
    Configuration hadoop = hadoop();
    INDArray warm = warmStart(model, conf, hadoop);
    String fingerprint =
        warm == null
            ? fingerprint(conf, spec)
            : Fingerprint.of("warm student")
                .add("student", fingerprint(conf, spec))
                .add("from", warmStarts.get(model))
                .add("from-sha256", HadoopFiles.sha256(warmStarts.get(model), hadoop))
                .hex();
    Optional<TrainedStudent> done =
        store
            .find(model, fingerprint, TrainedStudent.class)
            .filter(d -> exists(d.modelPath(), hadoop));
    if (done.isPresent()) {
      LOG.info("Student {}: already trained for these inputs ({}), not redone", model, dir);
      return done.get().reused();
    }
    // Checkpoints belong to one set of inputs: a changed spec or dataset starts afresh.
    String checkpoints = dir + "/checkpoints-" + fingerprint.substring(0, 16);
    deleteStaleCheckpoints(dir, checkpoints, hadoop);
    TrainingSettings modelSettings =
        settings.toBuilder().checkpointDir(checkpoints).seed(seed).build();
    TrainingData packed = trainingPack.get();
    SparkTrainer trainer =
        SparkTrainer.of(spark)
            .name("student " + model)
            .network(conf)
            .trainingData(packed)
            .settings(modelSettings)
            .resume(true);
    if (warm != null) {
      trainer.initialParameters(warm);
    }
    TrainingData validation = validationPack.get();
    if (validation != null) {
      trainer.validationData(validation);
    }
    TrainingResult result = trainer.execute();
    writeModel(dir + "/" + StudentSweep.MODEL, result, hadoop);
    TrainedStudent trained =
        new TrainedStudent(
            model,
            distilled ? ModelMetrics.DISTILLED : ModelMetrics.BASELINE,
            spec.name(),
            t,
            alpha,
            dir + "/" + StudentSweep.MODEL,
            result.history(),
            result.seconds(),
            true,
            null,
            result.keptEpoch());
    store.write(model, fingerprint, result.seconds(), trained);
    deleteStaleCheckpoints(dir, null, hadoop);
    return trained;
  }

  /**
   * The parameters {@code model} starts from when it has a warm start of the same shape as {@code
   * conf}; else null (with a warning when the shapes differ).
   */
  private INDArray warmStart(String model, MultiLayerConfiguration conf, Configuration hadoop) {
    String from = warmStarts.get(model);
    if (from == null) {
      return null;
    }
    MultiLayerNetwork earlier = NetworkZips.read(from, hadoop, "the warm start of " + model);
    MultiLayerNetwork fresh = new MultiLayerNetwork(conf.clone());
    fresh.init();
    if (fresh.numParams() != earlier.numParams()) {
      LOG.warn(
          "Student {}: the warm start {} has {} parameters, the network {}: trained from scratch",
          model,
          from,
          earlier.numParams(),
          fresh.numParams());
      return null;
    }
    LOG.info("Student {}: warm start from {}", model, from);
    return earlier.params();
  }

  /** A model's seed: its size's (the baseline's own, if it has one), else the sweep's. */
  long seed(StudentSpec spec, boolean distilled) {
    Long own = spec.seed(distilled);
    return own != null ? own : settings.seed();
  }

  /** A model's optimiser: the sweep's, with its size's learning rate and decay where given. */
  Optimiser optimiser(StudentSpec spec, boolean distilled) {
    Double rate = spec.learningRate(distilled);
    Double decay = spec.lrDecay(distilled);
    return optimiser.withRate(
        rate != null ? rate : optimiser.learningRate(),
        decay != null ? decay : optimiser.decayPerEpoch());
  }

  MultiLayerConfiguration network(
      StudentSpec spec, DistillationLoss loss, Optimiser updater, long seed) {
    return spec.hidden() != null
        ? StudentNetworks.mlp(
            inputs, spec.hidden(), classes, inputRetain, hiddenRetain, updater, loss, seed)
        : StudentNetworks.fromJson(spec.dl4jJson(), "of student " + spec.name(), loss);
  }

  static void deleteQuietly(String dir, Configuration conf) {
    Path p = new Path(dir);
    try {
      p.getFileSystem(conf).delete(p, true);
    } catch (IOException e) {
      LOG.warn("Could not delete {}: {}", dir, e.getMessage());
    }
  }

  static boolean exists(String path, Configuration conf) {
    Path p = new Path(path);
    try {
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + path + ": " + e.getMessage(), e);
    }
  }

  String fingerprint(MultiLayerConfiguration conf, StudentSpec spec) {
    return Fingerprint.of("student")
        .add("network", conf.toJson())
        .add("settings", settings.fingerprint())
        .add("spec", spec.toString())
        .add("training", trainingName)
        .add("validation", String.valueOf(validationName))
        .add("teacher", teacher.toString())
        .add("data", dataFingerprint)
        .hex();
  }

  private static void deleteStaleCheckpoints(String dir, String keep, Configuration conf) {
    Path root = new Path(dir);
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (!fs.exists(root)) {
        return;
      }
      for (FileStatus s : fs.listStatus(root)) {
        String name = s.getPath().getName();
        if (name.startsWith("checkpoints-")
            && (keep == null
                || !s.getPath().toString().endsWith(keep.substring(keep.lastIndexOf('/'))))) {
          fs.delete(s.getPath(), true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot clean the checkpoints in " + dir + ": " + e.getMessage(), e);
    }
  }

  static void writeModel(String target, TrainingResult result, Configuration conf) {
    HadoopFiles.publishFile(
        target, conf, out -> ModelSerializer.writeModel(result.network(), out, false));
  }
}
