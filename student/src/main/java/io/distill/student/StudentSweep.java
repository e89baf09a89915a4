package io.distill.student;

import io.distill.core.RecordStore;
import io.distill.core.SparkAction;
import io.distill.trainer.Optimiser;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TeacherSignal;
import io.distill.trainer.TrainingData;
import io.distill.trainer.TrainingSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

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
  private int searchFirstRungEpochs = SearchPlan.DEFAULT_FIRST_RUNG_EPOCHS;
  private SearchSpace searchSpace = SearchSpace.defaults();
  private Map<String, String> warmStarts = Map.of();
  private boolean baselines = true;
  private Consumer<List<TrainedStudent>> beforeDistilling = baselinesTrained -> {};

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
    return search(trials, eta, SearchPlan.DEFAULT_FIRST_RUNG_EPOCHS, space);
  }

  /**
   * As {@link #search(int, int, SearchSpace)}, every rung training at least {@code firstRungEpochs}
   * epochs ({@link SearchPlan#firstRungEpochs()}).
   */
  public StudentSweep search(int trials, int eta, int firstRungEpochs, SearchSpace space) {
    if (trials != 0) {
      // refuses a bad trials, eta or first rung here, not at execute()
      new SearchPlan(trials, eta, 1, firstRungEpochs);
    }
    this.searchTrials = trials;
    this.searchEta = eta;
    this.searchFirstRungEpochs = firstRungEpochs;
    this.searchSpace = Objects.requireNonNull(space, "space");
    return this;
  }

  /**
   * Warm starts: each named model (e.g. {@code 300x300-distilled}) starts from the parameters of
   * the model file given for it, typically the same model of an earlier run, instead of its
   * initialisation. The file is read as data (a bounded zip of JSON and arrays), never as Java
   * objects; a file whose network has another number of parameters is not used (a warning says so).
   * Applies to models trained with fixed settings, not to a settings search's trials.
   */
  public StudentSweep warmStarts(Map<String, String> modelFiles) {
    this.warmStarts = Map.copyOf(modelFiles);
    return this;
  }

  /**
   * Whether each size also gets its hard-label baseline (default true); false trains the distilled
   * students only (e.g. a second sweep of the same sizes from another teacher).
   */
  public StudentSweep baselines(boolean value) {
    this.baselines = value;
    return this;
  }

  /**
   * Called once every baseline is trained (or found), before any distilled student trains, with the
   * baselines in spec order: e.g. a check that the teacher is stronger than they are, said before
   * the distillation budget is spent. Not called without baselines.
   */
  public StudentSweep beforeDistilling(Consumer<List<TrainedStudent>> value) {
    this.beforeDistilling = Objects.requireNonNull(value, "beforeDistilling");
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
    if (searchTrials > 0 && !baselines) {
      throw new IllegalStateException(
          "the settings search gives each baseline the same budget: it needs baselines(true)");
    }
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
      SweepModels models = models();
      if (searchTrials > 0) {
        SearchPlan plan =
            new SearchPlan(searchTrials, searchEta, settings.epochs(), searchFirstRungEpochs);
        return new SearchedSweep(models, specs, plan, searchSpace, this::all).run(beforeDistilling);
      }
      // The baselines first, so that what they say about the teacher is said before distilling.
      List<TrainedStudent> baselineModels = List.of();
      if (baselines) {
        List<Callable<TrainedStudent>> jobs = new ArrayList<>();
        for (StudentSpec spec : specs) {
          jobs.add(() -> models.trainOrFind(spec, false));
        }
        baselineModels = all(jobs);
        beforeDistilling.accept(baselineModels);
      }
      List<Callable<TrainedStudent>> jobs = new ArrayList<>();
      for (StudentSpec spec : specs) {
        jobs.add(() -> models.trainOrFind(spec, true));
      }
      List<TrainedStudent> distilled = all(jobs);
      List<TrainedStudent> out = new ArrayList<>();
      for (int i = 0; i < specs.size(); i++) {
        out.add(distilled.get(i));
        if (baselines) {
          out.add(baselineModels.get(i));
        }
      }
      return out;
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

  private SweepModels models() {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    return new SweepModels(
        spark,
        output,
        records != null ? records : new RecordStore(output + "/" + RECORDS, hadoop),
        settings,
        optimiser,
        new int[] {inputs, classes},
        new double[] {inputRetain, hiddenRetain},
        trainingName,
        validationName,
        teacher,
        dataFingerprint,
        warmStarts,
        this::trainingPack,
        () -> {
          trainingPack();
          synchronized (this) {
            return validationPack;
          }
        });
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
}
