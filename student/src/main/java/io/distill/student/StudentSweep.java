package io.distill.student;

import io.distill.core.Fingerprint;
import io.distill.core.HadoopFiles;
import io.distill.core.RecordStore;
import io.distill.core.SparkAction;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.Optimiser;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TeacherSignal;
import io.distill.trainer.TrainingData;
import io.distill.trainer.TrainingResult;
import io.distill.trainer.TrainingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
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
 * Trains a sweep of students: for every {@link StudentSpec}, a distilled student
 * (DistillationLoss(α, T) on the hard labels and the teacher's logits, softened at T in the loss)
 * and a baseline of the same shape on the hard labels only (α = 1), with the same rows, epochs,
 * seed, augmentation and training settings. Each model goes to {@code <output>/<model>/model.zip},
 * and its record (inputs' fingerprint, history, seconds) to the sweep's {@link RecordStore},
 * written last.
 *
 * <p>The training and validation rows are packed once ({@link TrainingData}: features, hard labels
 * and the teacher's logits joined by id from the soft labels) and shared by every model of the
 * sweep. Up to {@link #concurrentStudents} models train at once, each in its own Spark scheduler
 * pool ({@code students-<slot>}), for clusters with more executors than one small student can use.
 *
 * <p>Reruns are cheap: a model whose record has the same inputs (network, settings, data
 * fingerprint) is not trained again, and a model interrupted mid-training resumes from its last
 * epoch checkpoint ({@code <output>/<model>/checkpoints-<fingerprint>}, deleted once the model is
 * done). Cost: one pack of the data (one shuffle) when anything is to be trained, then one {@link
 * SparkTrainer} run per model.
 */
public final class StudentSweep extends SparkAction<List<TrainedStudent>> {
  private static final Logger LOG = LoggerFactory.getLogger(StudentSweep.class);
  public static final String MODEL = "model.zip";

  /**
   * Where the sweep records its finished models when no {@link #records} are given: {@code
   * <output>/_records}.
   */
  public static final String RECORDS = "_records";

  /**
   * Where a search keeps its trials' checkpoints while it runs: {@code <output>/_search/<model>/};
   * deleted once the model's search is recorded.
   */
  public static final String SEARCH = "_search";

  /** Default models trained at once. */
  public static final int DEFAULT_CONCURRENT_STUDENTS = 1;

  /** Default dropout retain probability of the MLP students (1 = no dropout). */
  public static final double DEFAULT_RETAIN = 1.0;

  private List<StudentSpec> specs = List.of();
  private Dataset<Row> trainingData;
  private String trainingName;
  private Dataset<Row> trainingSoft;
  private String trainingSoftName;
  private Dataset<Row> validationData;
  private String validationName;
  private Dataset<Row> validationSoft;
  private String validationSoftName;
  private TeacherSignal teacher = TeacherSignal.logits("teacher_logits");
  private int concurrentStudents = DEFAULT_CONCURRENT_STUDENTS;
  private TrainingData trainingPack;
  private TrainingData validationPack;
  private RecordStore records;
  private int inputs;
  private int classes;
  private Optimiser optimiser = Optimiser.studentDefault();
  private double inputRetain = DEFAULT_RETAIN;
  private double hiddenRetain = DEFAULT_RETAIN;
  private TrainingSettings settings = TrainingSettings.builder().build();
  private String output;
  private String dataFingerprint = "";
  private int searchTrials;
  private int searchEta = SearchPlan.DEFAULT_ETA;
  private SearchSpace searchSpace = SearchSpace.defaults();

  private StudentSweep(SparkSession spark) {
    super(spark);
  }

  public static StudentSweep of(SparkSession spark) {
    return new StudentSweep(spark);
  }

  public StudentSweep specs(List<StudentSpec> value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("a sweep needs at least one student size");
    }
    this.specs = List.copyOf(value);
    return this;
  }

  /**
   * The rows to train on (id, features, label), with a name for messages; the teacher's columns
   * come from {@link #trainingSoftLabels} or, without it, from these rows.
   */
  public StudentSweep trainingData(Dataset<Row> rows, String name) {
    this.trainingData = rows;
    this.trainingName = name;
    return this;
  }

  /** The teacher's outputs for the training rows, keyed by id (the soft-label job's output). */
  public StudentSweep trainingSoftLabels(Dataset<Row> soft, String name) {
    this.trainingSoft = soft;
    this.trainingSoftName = name;
    return this;
  }

  /** The teacher's outputs for the validation rows, keyed by id. */
  public StudentSweep validationSoftLabels(Dataset<Row> soft, String name) {
    this.validationSoft = soft;
    this.validationSoftName = name;
    return this;
  }

  /**
   * Where the teacher's outputs are and in which form; default logits in {@code teacher_logits}.
   */
  public StudentSweep teacher(TeacherSignal value) {
    this.teacher = value;
    return this;
  }

  /** Models trained at once (each with the settings' workers); default 1. */
  public StudentSweep concurrentStudents(int value) {
    if (value < 1) {
      throw new IllegalArgumentException(
          "concurrentStudents must be at least 1, cannot be: " + value);
    }
    this.concurrentStudents = value;
    return this;
  }

  /**
   * Optional rows measured after every epoch (validation rows, never the test split), with a name.
   */
  public StudentSweep validationData(Dataset<Row> rows, String name) {
    this.validationData = rows;
    this.validationName = name;
    return this;
  }

  public StudentSweep shape(int inputCount, int classCount) {
    this.inputs = inputCount;
    this.classes = classCount;
    return this;
  }

  /**
   * How the MLP students learn (students given as DL4J JSON keep their JSON's updater); default
   * {@link Optimiser#studentDefault()}.
   */
  public StudentSweep optimiser(Optimiser value) {
    this.optimiser = Objects.requireNonNull(value, "optimiser");
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

  /**
   * Choose each model's settings on the validation rows by successive halving ({@link SearchPlan}:
   * {@code trials} settings from {@code space}, the best {@code 1/eta} continue at each rung, up to
   * the settings' epochs), the baseline of each size with the same trials, rungs and seeds as its
   * distilled student. The sizes' own T and α, and the sweep's optimiser, are every search's first
   * trial. {@code trials} 0 = no search: every model trains once with its configured settings.
   */
  public StudentSweep search(int trials, int eta, SearchSpace space) {
    if (trials != 0) {
      new SearchPlan(trials, eta, 1); // refuses a bad trials or eta here, not at execute()
    }
    this.searchTrials = trials;
    this.searchEta = eta;
    this.searchSpace = Objects.requireNonNull(space, "space");
    return this;
  }

  /** Directory that receives one sub-directory per model. */
  public StudentSweep output(String path) {
    this.output = path;
    return this;
  }

  /**
   * Where finished models are recorded (one entry per model); default {@code <output>/_records}.
   */
  public StudentSweep records(RecordStore store) {
    this.records = store;
    return this;
  }

  /** Identifies the training data's content, so a changed dataset retrains every student. */
  public StudentSweep dataFingerprint(String value) {
    this.dataFingerprint = value;
    return this;
  }

  @Override
  protected String jobGroup() {
    return "students";
  }

  @Override
  protected String description() {
    return "Student sweep of " + specs.size() + " sizes on " + trainingName;
  }

  @Override
  protected void validate() {
    require(trainingData, "trainingData(rows, name)");
    require(output, "output(path)");
    if (searchTrials > 0 && validationData == null) {
      throw new IllegalStateException(
          "the settings search chooses on validation rows: give validationData (data.validation-rows > 0)"
              + " or turn the search off");
    }
    if (inputs < 1 || classes < 2) {
      throw new IllegalStateException(
          "shape(inputs, classes) must be set before execute(), got " + inputs + ", " + classes);
    }
  }

  /** Trains (or finds) every model; distilled and baseline of each size in spec order. */
  @Override
  protected List<TrainedStudent> doExecute() {
    try {
      if (searchTrials > 0) {
        return searchAll();
      }
      List<Callable<TrainedStudent>> jobs = new ArrayList<>();
      for (StudentSpec spec : specs) {
        jobs.add(() -> trainOrFind(spec, true));
        jobs.add(() -> trainOrFind(spec, false));
      }
      return all(jobs);
    } finally {
      synchronized (this) {
        if (trainingPack != null) {
          trainingPack.close();
          trainingPack = null;
        }
        if (validationPack != null) {
          validationPack.close();
          validationPack = null;
        }
      }
    }
  }

  /**
   * Runs {@code jobs}, up to {@link #concurrentStudents} at once, each in its own scheduler pool;
   * results in order. The first failure cancels the rest and is thrown.
   */
  private <T> List<T> all(List<Callable<T>> jobs) {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            concurrentStudents,
            r -> {
              Thread t = new Thread(r, "student-sweep");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < jobs.size(); i++) {
        Callable<T> job = jobs.get(i);
        String schedulerPool = "students-" + (i % concurrentStudents);
        futures.add(
            pool.submit(
                () -> {
                  spark.sparkContext().setLocalProperty("spark.scheduler.pool", schedulerPool);
                  try {
                    return job.call();
                  } finally {
                    spark.sparkContext().setLocalProperty("spark.scheduler.pool", null);
                  }
                }));
      }
      List<T> done = new ArrayList<>();
      for (Future<T> f : futures) {
        done.add(result(f, futures));
      }
      return done;
    } finally {
      pool.shutdownNow();
    }
  }

  private static <T> T result(Future<T> f, List<? extends Future<?>> all) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while training the sweep", e);
    } catch (ExecutionException e) {
      all.forEach(o -> o.cancel(true));
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(cause.getMessage(), cause);
    }
  }

  /** The shared packs, made on first need (no model to train, no shuffle). */
  private synchronized TrainingData trainingPack() {
    if (trainingPack == null) {
      int workers =
          settings.workers() > 0 ? settings.workers() : spark.sparkContext().defaultParallelism();
      TrainingData.Packer p =
          TrainingData.pack(spark)
              .rows(trainingData, trainingName)
              .teacher(teacher)
              .features(inputs)
              .classes(classes)
              .workers(workers);
      trainingPack =
          (trainingSoft != null ? p.softLabels(trainingSoft, trainingSoftName) : p).execute();
      if (validationData != null) {
        TrainingData.Packer v =
            TrainingData.pack(spark)
                .rows(validationData, validationName)
                .teacher(teacher)
                .features(inputs)
                .classes(classes)
                .workers(workers);
        validationPack =
            (validationSoft != null ? v.softLabels(validationSoft, validationSoftName) : v)
                .execute();
      }
    }
    return trainingPack;
  }

  private TrainedStudent trainOrFind(StudentSpec spec, boolean distilled) {
    String model = distilled ? spec.distilledName() : spec.baselineName();
    double t = distilled ? spec.temperature() : Double.NaN;
    double alpha = distilled ? spec.alpha() : 1.0;
    DistillationLoss loss =
        distilled
            ? new DistillationLoss(alpha, t, spec.standardise())
            : DistillationLoss.hardLabelsOnly();
    long seed = seed(spec, distilled);
    MultiLayerConfiguration conf = network(spec, loss, optimiser(spec, distilled), seed);
    String dir = output + "/" + model;
    String fingerprint = fingerprint(conf, spec);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    RecordStore store = records != null ? records : new RecordStore(output + "/" + RECORDS, hadoop);
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
    TrainingData packed = trainingPack();
    SparkTrainer trainer =
        SparkTrainer.of(spark)
            .name("student " + model)
            .network(conf)
            .trainingData(packed)
            .settings(modelSettings)
            .resume(true);
    if (validationPack != null) {
      trainer.validationData(validationPack);
    }
    TrainingResult result = trainer.execute();
    writeModel(dir + "/" + MODEL, result, hadoop);
    TrainedStudent trained =
        new TrainedStudent(
            model,
            distilled ? ModelMetrics.DISTILLED : ModelMetrics.BASELINE,
            spec.name(),
            t,
            alpha,
            dir + "/" + MODEL,
            result.history(),
            result.seconds(),
            true,
            null);
    store.write(model, fingerprint, result.seconds(), trained);
    deleteStaleCheckpoints(dir, null, hadoop);
    return trained;
  }

  /** A model's seed: its size's (the baseline's own, if it has one), else the sweep's. */
  private long seed(StudentSpec spec, boolean distilled) {
    Long own = spec.seed(distilled);
    return own != null ? own : settings.seed();
  }

  /** A model's optimiser: the sweep's, with its size's learning rate and decay where given. */
  private Optimiser optimiser(StudentSpec spec, boolean distilled) {
    Double rate = spec.learningRate(distilled);
    Double decay = spec.lrDecay(distilled);
    return new Optimiser(
        optimiser.kind(),
        rate != null ? rate : optimiser.learningRate(),
        optimiser.momentum(),
        decay != null ? decay : optimiser.decayPerEpoch());
  }

  private MultiLayerConfiguration network(
      StudentSpec spec, DistillationLoss loss, Optimiser updater, long seed) {
    return spec.hidden() != null
        ? StudentNetworks.mlp(
            inputs, spec.hidden(), classes, inputRetain, hiddenRetain, updater, loss, seed)
        : StudentNetworks.fromJson(spec.dl4jJson(), "of student " + spec.name(), loss);
  }

  /** Searches every model's settings (those not already recorded for these inputs). */
  private List<TrainedStudent> searchAll() {
    SearchPlan plan = new SearchPlan(searchTrials, searchEta, settings.epochs());
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    RecordStore store = records != null ? records : new RecordStore(output + "/" + RECORDS, hadoop);
    List<SettingsSearch.Arm> arms = new ArrayList<>();
    Map<String, String> fingerprints = new HashMap<>();
    Map<String, TrainedStudent> found = new HashMap<>();
    for (StudentSpec spec : specs) {
      // the baseline first: a distilled student that loses to it on validation becomes it
      for (boolean distilled : new boolean[] {false, true}) {
        String model = distilled ? spec.distilledName() : spec.baselineName();
        boolean mlp = spec.hidden() != null;
        Optimiser own = optimiser(spec, distilled);
        SearchTrial configured =
            new SearchTrial(
                0,
                distilled && spec.alpha() < 1 ? spec.temperature() : Double.NaN,
                distilled ? spec.alpha() : 1.0,
                distilled && spec.standardise(),
                mlp ? own.learningRate() : Double.NaN,
                mlp ? own.decayPerEpoch() : Double.NaN,
                seed(spec, distilled));
        SettingsSearch.Arm arm =
            new SettingsSearch.Arm(
                spec,
                distilled,
                model,
                searchSpace.trials(configured, distilled, mlp, plan.trials()));
        Fingerprint f = Fingerprint.of("student-search").add("plan", plan.toString());
        if (distilled) {
          f.add("baseline", fingerprints.get(spec.baselineName()));
        }
        for (SearchTrial trial : arm.trials()) {
          f.add("trial-" + trial.index(), trialFingerprint(arm, trial));
        }
        String fingerprint = f.hex();
        fingerprints.put(model, fingerprint);
        Optional<TrainedStudent> done =
            store
                .find(model, fingerprint, TrainedStudent.class)
                .filter(d -> exists(d.modelPath(), hadoop));
        if (done.isPresent()) {
          LOG.info("Student {}: already searched and trained for these inputs, not redone", model);
          found.put(model, done.get().reused());
        } else {
          arms.add(arm);
        }
      }
    }
    Map<String, SettingsSearch.Outcome> outcomes =
        arms.isEmpty()
            ? Map.of()
            : SettingsSearch.run(arms, plan, settings.keepBestEpoch(), this::trainTrial, this::all);
    List<TrainedStudent> out = new ArrayList<>();
    for (StudentSpec spec : specs) {
      TrainedStudent baseline = found.get(spec.baselineName());
      if (baseline == null) {
        baseline = publish(spec, false, outcomes.get(spec.baselineName()), store, fingerprints);
      }
      TrainedStudent distilled = found.get(spec.distilledName());
      if (distilled == null) {
        SettingsSearch.Outcome o = outcomes.get(spec.distilledName());
        SearchSummary b = baseline.search();
        if (b != null && b.choiceAccuracy() > o.summary().choiceAccuracy()) {
          distilled = adoptBaseline(spec, o, baseline, store, fingerprints);
        } else {
          distilled = publish(spec, true, o, store, fingerprints);
        }
      }
      out.add(distilled);
      out.add(baseline);
    }
    return out;
  }

  /** Writes a searched model's chosen training as the model, and records it. */
  private TrainedStudent publish(
      StudentSpec spec,
      boolean distilled,
      SettingsSearch.Outcome o,
      RecordStore store,
      Map<String, String> fingerprints) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String model = distilled ? spec.distilledName() : spec.baselineName();
    SearchTrial choice = o.summary().choice();
    String path = output + "/" + model + "/" + MODEL;
    writeModel(path, o.chosen(), hadoop);
    TrainedStudent trained =
        new TrainedStudent(
            model,
            distilled ? ModelMetrics.DISTILLED : ModelMetrics.BASELINE,
            spec.name(),
            choice.temperature(),
            choice.alpha(),
            path,
            o.chosen().history(),
            o.summary().seconds(),
            true,
            o.summary());
    store.write(model, fingerprints.get(model), o.summary().seconds(), trained);
    deleteQuietly(output + "/" + SEARCH + "/" + model, hadoop);
    return trained;
  }

  /**
   * α = 1 is a candidate of every distilled student, so one whose search ended below its baseline's
   * on validation becomes the baseline's choice: a hard-label student, said so in the log, the
   * record and the report. On validation a distilled student is then never worse than its baseline;
   * where this happens, distillation did not help that size.
   */
  private TrainedStudent adoptBaseline(
      StudentSpec spec,
      SettingsSearch.Outcome o,
      TrainedStudent baseline,
      RecordStore store,
      Map<String, String> fingerprints) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String model = spec.distilledName();
    SearchSummary b = baseline.search();
    SearchSummary summary = o.summary().adopting(b.trials().get(b.chosen()));
    LOG.warn(
        "Search {}: its best distilled setting ({}, validation {}) is below the baseline's ({}, {}):"
            + " the distilled student of size {} is the baseline's hard-label model; distillation did"
            + " not help this size on validation",
        model,
        o.summary().trials().get(o.summary().chosen()).trial().describe(),
        String.format(
            "%.2f %%", 100 * o.summary().trials().get(o.summary().chosen()).validationAccuracy()),
        summary.choice().describe(),
        String.format("%.2f %%", 100 * summary.choiceAccuracy()),
        spec.name());
    String path = output + "/" + model + "/" + MODEL;
    HadoopFiles.publishFile(path, hadoop, out -> copy(baseline.modelPath(), out, hadoop));
    TrainedStudent trained =
        new TrainedStudent(
            model,
            ModelMetrics.DISTILLED,
            spec.name(),
            Double.NaN,
            1.0,
            path,
            baseline.history(),
            o.summary().seconds(),
            true,
            summary);
    store.write(model, fingerprints.get(model), o.summary().seconds(), trained);
    deleteQuietly(output + "/" + SEARCH + "/" + model, hadoop);
    return trained;
  }

  private static void copy(String from, OutputStream out, Configuration conf) throws IOException {
    Path p = new Path(from);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      in.transferTo(out);
    }
  }

  /** Trains one search trial to {@code epochs}, continuing from its checkpoint. */
  private TrainingResult trainTrial(SettingsSearch.Arm arm, SearchTrial trial, int epochs) {
    MultiLayerConfiguration conf = trialNetwork(arm, trial);
    String checkpoints =
        output
            + "/"
            + SEARCH
            + "/"
            + arm.model()
            + "/trial-"
            + trial.index()
            + "-"
            + trialFingerprint(arm, trial).substring(0, 16);
    TrainingSettings trialSettings =
        settings.toBuilder().epochs(epochs).seed(trial.seed()).checkpointDir(checkpoints).build();
    SparkTrainer trainer =
        SparkTrainer.of(spark)
            .name("student " + arm.model() + " trial " + trial.index())
            .network(conf)
            .trainingData(trainingPack())
            .validationData(validationPack)
            .settings(trialSettings)
            .resume(true);
    return trainer.execute();
  }

  private MultiLayerConfiguration trialNetwork(SettingsSearch.Arm arm, SearchTrial trial) {
    Optimiser updater =
        Double.isNaN(trial.learningRate())
            ? optimiser
            : new Optimiser(
                optimiser.kind(), trial.learningRate(), optimiser.momentum(), trial.lrDecay());
    return network(arm.spec(), trial.loss(), updater, trial.seed());
  }

  /**
   * What a trial's training depends on, its epochs aside (a trial that continues to a later rung
   * resumes from the same checkpoint).
   */
  private String trialFingerprint(SettingsSearch.Arm arm, SearchTrial trial) {
    return Fingerprint.of("student-trial")
        .add("student", fingerprint(trialNetwork(arm, trial), arm.spec()))
        .add("trial", trial.toString())
        .hex();
  }

  private static void deleteQuietly(String dir, Configuration conf) {
    Path p = new Path(dir);
    try {
      p.getFileSystem(conf).delete(p, true);
    } catch (IOException e) {
      LOG.warn("Could not delete the search's checkpoints in {}: {}", dir, e.getMessage());
    }
  }

  private static boolean exists(String path, Configuration conf) {
    Path p = new Path(path);
    try {
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + path + ": " + e.getMessage(), e);
    }
  }

  private String fingerprint(MultiLayerConfiguration conf, StudentSpec spec) {
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

  private static void writeModel(String target, TrainingResult result, Configuration conf) {
    HadoopFiles.publishFile(
        target, conf, out -> ModelSerializer.writeModel(result.network(), out, false));
  }
}
