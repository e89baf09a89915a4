package io.distill.jobs.config;

import io.distill.dataset.ImportMnistAction;
import io.distill.jobs.config.ValueReader.Range;
import io.distill.student.ModelEvaluator;
import io.distill.student.SearchPlan;
import io.distill.student.SearchSpace;
import io.distill.student.StudentSweep;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.TeacherInput;
import io.distill.teacher.TeacherNetworks;
import io.distill.teacher.TrainTeacherAction;
import io.distill.teacher.TransferSetAction;
import io.distill.trainer.Optimiser;
import io.distill.trainer.TrainingSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every key of the run configuration, declared once: name, type and range, default, documentation.
 * Sections group them as {@code conf/default.conf} shows; {@link #ALL} lists them in that order.
 * Adding a key is one declaration here plus its use.
 */
public final class Params {
  private static final List<Param<?>> DECLARED = new ArrayList<>();

  /** {@code students.search}: fixed settings. */
  public static final String SEARCH_OFF = "off";

  /** {@code students.search}: successive halving on the validation rows. */
  public static final String SEARCH_HALVING = "halving";

  /** One object of the configuration and what it is for. */
  public record Section(String key, String doc) {}

  /** The objects under {@code distill}, in order, with their documentation. */
  public static final List<Section> SECTIONS =
      List.of(
          new Section(
              "run",
              "Where the run writes everything (data, models, soft labels, metrics, report, manifest)."),
          new Section(
              "data",
              "The labelled dataset, and the validation split held out of its training split."),
          new Section(
              "teacher",
              "The teacher network: given as a model file (the default: the convolutional MNIST"
                  + " teacher shipped in the jar), or trained by the run from a DL4J JSON configuration or as an MLP with"
                  + " dropout and max-norm (Hinton et al. 2015) trained with SGD + momentum. A trained teacher learns from the"
                  + " training rows (the validation rows held out), keeping the epoch with the best validation accuracy."),
          new Section(
              "soft-labels",
              "The soft-label stage: teacher inference over the training and test splits, written"
                  + " to Parquet (id and the teacher's outputs; no copy of the features)."),
          new Section(
              "students",
              "The student sweep: each size is trained twice, distilled (from the soft labels) and as"
                  + " a hard-label baseline of the same shape, with the same rows, epochs and augmentation; the loss is"
                  + " alpha*CE(hard) + (1-alpha)*T^2*KL(teacher at T || student at T)."),
          new Section(
              "training",
              "Data-parallel training on Spark (parameter averaging), for the teacher and the"
                  + " students."),
          new Section(
              "evaluation",
              "The evaluation stage: accuracy, agreement with the teacher, size, latency and"
                  + " throughput."),
          new Section(
              "nightly",
              "The nightly command (distill-job.jar nightly): when tonight's run replaces the champion."));

  // ---- run
  public static final Param<String> RUN_DIR =
      param(
          "run.dir",
          ParamTypes.string(false, "String, non-blank"),
          "runs/default",
          "Run directory: any Hadoop FileSystem URI or local path (file://, hdfs://, s3a://).");
  public static final Param<Integer> RUN_LEASE_TIMEOUT =
      param(
          "run.lease-timeout",
          ParamTypes.integer(10, Integer.MAX_VALUE),
          120,
          "A run holds a lease on its directory (run.dir/_lease.json, renewed every quarter of"
              + " this many seconds); another run on the same directory exits naming the holder, unless the lease has not"
              + " been renewed for this many seconds plus a 30 s margin for clock skew between hosts (its run is gone),"
              + " which it then takes over.");

  // ---- data
  public static final Param<String> DATA_INPUT =
      param(
          "data.input",
          ParamTypes.string(false, "String, non-blank"),
          RunConfig.EMBEDDED,
          "\"embedded\" = the MNIST slice inside the jar (5,000 train, 1,000 test images);"
              + " otherwise a directory holding the four MNIST IDX files (gzip-compressed or raw), or a Parquet directory"
              + " with train/ and test/ (this project's layout, or any engine's with the columns named below; the import"
              + " stage decides which by looking). data.train and data.test, when set, are used instead.");
  public static final Param<String> DATA_TRAIN =
      param(
          "data.train",
          ParamTypes.string(true, "String (Parquet path or catalog table)"),
          null,
          "The training split as Spark users hold it: a Parquet path"
              + " (written by any engine) or a Spark catalog table, with the columns named by the keys below. Set with"
              + " data.test; null = data.input.");
  public static final Param<String> DATA_TEST =
      param(
          "data.test",
          ParamTypes.string(true, "String (Parquet path or catalog table)"),
          null,
          "The test split, as data.train.");
  public static final Param<String> DATA_ID_COLUMN =
      param(
          "data.id-column",
          ParamTypes.string(false, "String, non-blank"),
          "id",
          "The rows' id column (long or int, unique); a dataset without it gets ids"
              + " generated from its rows' order as read (stable while its files are).");
  public static final Param<String> DATA_FEATURES_COLUMN =
      param(
          "data.features-column",
          ParamTypes.string(false, "String, non-blank"),
          "features",
          "The features column: an ML Vector (what VectorAssembler produces) or"
              + " array<float|double>.");
  public static final Param<String> DATA_LABEL_COLUMN =
      param(
          "data.label-column",
          ParamTypes.string(false, "String, non-blank"),
          "label",
          "The label column: the class index as int or double (Spark ML's convention).");
  public static final Param<Long> DATA_MAX_BAD_ROWS =
      param(
          "data.max-bad-rows",
          ParamTypes.longInteger(0),
          0L,
          "Rows of a split that may fail the import's checks (features missing, of another length or not finite; label"
              + " missing, not whole or outside the teacher's classes): they go to run.dir/quarantine/import/<split>/"
              + " with the reason and the run goes on; with more, the run fails naming the first. 0 = any bad row fails"
              + " the run.");
  public static final Param<Integer> DATA_ROWS_PER_PARTITION =
      param(
          "data.rows-per-partition",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          ImportMnistAction.DEFAULT_ROWS_PER_PARTITION,
          "Rows per Parquet partition written by the import stage.");
  public static final Param<Long> DATA_VALIDATION_ROWS =
      param(
          "data.validation-rows",
          ParamTypes.longInteger(0),
          500L,
          "Rows of the training split held out as the validation split: stratified by label, chosen by a hash of"
              + " each row's id, so the same rows every run. Every per-epoch validation, best-epoch choice and any"
              + " choice of T, alpha or epochs is made on them; the test split is read only by the evaluate stage"
              + " (0 = no validation split).");
  public static final Param<Long> DATA_VALIDATION_SEED =
      param(
          "data.validation-seed",
          ParamTypes.longInteger(Long.MIN_VALUE),
          1L,
          "Seed of that choice (another seed holds out other rows).");
  public static final Param<Double> DATA_VALIDATION_FRACTION =
      param(
          "data.validation-fraction",
          ParamTypes.number(Range.OPEN_UNIT, true),
          null,
          "Instead of data.validation-rows: every row whose id hashes (with data.validation-seed) below this"
              + " fraction is a validation row. The choice depends on the row alone, so a validation row stays one"
              + " however much data arrives later: the nightly runs' holdout, on which tonight's students and the"
              + " champion are compared. null = data.validation-rows decides.");

  // ---- teacher
  /** The convolutional MNIST teacher shipped in the jar (see its README beside it). */
  public static final String SHIPPED_TEACHER = "classpath:/io/distill/teacher/mnist-cnn/model.zip";

  /**
   * A small convolutional student shipped in the jar (conv 5x5x6, pool, conv 5x5x12, pool, dense
   * 32; 8,474 parameters), for sizes given as {@code dl4j-json}.
   */
  public static final String SMALL_CNN_STUDENT = "classpath:/io/distill/student/cnn-small.json";

  /**
   * A tiny convolutional student shipped in the jar (average pool 2, conv 3x3x8, max pool 2,
   * softmax; 2,970 parameters), fast enough on CPU for the default sweep.
   */
  public static final String TINY_CNN_STUDENT = "classpath:/io/distill/student/cnn-tiny.json";

  public static final Param<String> TEACHER_MODEL =
      param(
          "teacher.model",
          ParamTypes.string(true, "String (Hadoop FS URI or local path)"),
          SHIPPED_TEACHER,
          "An existing model to use as the teacher, as it is (nothing is trained): a DL4J model zip, or an ONNX file"
              + " (name ending .onnx, run by ONNX Runtime; one float input, [n, features] or an image [n, c, h, w] or"
              + " [n, h, w, c], and one output [n, classes] of logits or softmax probabilities; see teacher.input-*)."
              + " The default is the"
              + " convolutional teacher shipped in the jar, trained by this project on the full MNIST training split"
              + " (io/distill/teacher/mnist-cnn/README.md). null = train one: from teacher.dl4j-json, or the MLP of"
              + " the keys below.");
  public static final Param<List<Integer>> TEACHER_INPUT_SHAPE =
      param(
          "teacher.input-shape",
          ParamTypes.widths(false, true),
          null,
          "One row's shape as an ONNX teacher's graph takes it, without the batch dimension: [c, h, w] or"
              + " [h, w, c] for an image, [features] for a flat input. null = what the graph declares; needed where"
              + " the graph leaves a dimension open. The dataset's flat features fill it in row-major order.");
  public static final Param<Double> TEACHER_INPUT_SCALE =
      param(
          "teacher.input-scale",
          ParamTypes.number(Range.POSITIVE, false),
          TeacherInput.DEFAULT_SCALE,
          "An ONNX teacher sees (features × scale − mean) / std: e.g. 255 for a graph trained on pixels in"
              + " [0, 255] when the dataset's are in [0, 1]. 1 with mean 0 and std 1 = the dataset's own scaling.");
  public static final Param<List<Double>> TEACHER_INPUT_MEAN =
      param(
          "teacher.input-mean",
          ParamTypes.numbers(Range.ANY),
          TeacherInput.DEFAULT_MEAN,
          "The mean subtracted for an ONNX teacher (after teacher.input-scale): one value, or one per channel"
              + " of an image input (e.g. [0.485, 0.456, 0.406]).");
  public static final Param<List<Double>> TEACHER_INPUT_STD =
      param(
          "teacher.input-std",
          ParamTypes.numbers(Range.POSITIVE),
          TeacherInput.DEFAULT_STD,
          "The standard deviation an ONNX teacher's input is divided by: one value, or one per channel"
              + " (e.g. 0.3081 for torchvision's MNIST normalisation, with mean 0.1307).");
  public static final Param<String> TEACHER_DL4J_JSON =
      param(
          "teacher.dl4j-json",
          ParamTypes.string(true, "String (Hadoop FS URI or local path)"),
          null,
          "A DL4J MultiLayerConfiguration JSON of the teacher to train, for any shape (e.g. conf/teacher-cnn.json, a"
              + " convolutional teacher); its layers, updater and regularisation are the JSON's own, its output layer is"
              + " made to emit logits. null = the MLP described by the keys below (hidden ... lr-decay); epochs and"
              + " jitter apply to both.");
  public static final Param<List<Integer>> TEACHER_HIDDEN =
      param(
          "teacher.hidden",
          ParamTypes.widths(false),
          Arrays.stream(TeacherNetworks.HINTON_MNIST_HIDDEN).boxed().toList(),
          "Widths of the hidden layers of the MLP teacher, input to output.");
  public static final Param<Double> TEACHER_INPUT_RETAIN =
      param(
          "teacher.input-retain",
          ParamTypes.number(Range.RETAIN, false),
          TeacherNetworks.HINTON_MNIST_INPUT_RETAIN,
          "Dropout retain probability of" + " the input layer (1 = no dropout).");
  public static final Param<Double> TEACHER_HIDDEN_RETAIN =
      param(
          "teacher.hidden-retain",
          ParamTypes.number(Range.RETAIN, false),
          TeacherNetworks.HINTON_MNIST_HIDDEN_RETAIN,
          "Dropout retain probability of the hidden layers (1 = no dropout).");
  public static final Param<Double> TEACHER_MAX_NORM =
      param(
          "teacher.max-norm",
          ParamTypes.number(Range.POSITIVE, true),
          TeacherNetworks.HINTON_MNIST_MAX_NORM,
          "Max-norm constraint on each unit's incoming weights; null = none.");
  public static final Param<Double> TEACHER_LEARNING_RATE =
      param(
          "teacher.learning-rate",
          ParamTypes.number(Range.POSITIVE, false),
          Optimiser.TEACHER_LEARNING_RATE,
          "SGD learning rate (Nesterov momentum) of"
              + " the MLP teacher (a teacher from teacher.dl4j-json keeps its JSON's updater).");
  public static final Param<Double> TEACHER_MOMENTUM =
      param(
          "teacher.momentum",
          ParamTypes.number(Range.MOMENTUM, false),
          Optimiser.TEACHER_MOMENTUM,
          "Momentum of the MLP teacher.");
  public static final Param<Integer> TEACHER_EPOCHS =
      param(
          "teacher.epochs",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          TrainTeacherAction.DEFAULT_EPOCHS,
          "Passes over the training rows.");
  public static final Param<Double> TEACHER_LR_DECAY =
      param(
          "teacher.lr-decay",
          ParamTypes.number(Range.RETAIN, false),
          Optimiser.TEACHER_DECAY,
          "Factor the MLP teacher's learning rate is multiplied by after every epoch (1 ="
              + " constant rate).");
  public static final Param<Integer> TEACHER_BATCH_SIZE =
      param(
          "teacher.batch-size",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          TrainingSettings.DEFAULT_BATCH_SIZE,
          "Minibatch size of the teacher's training, per" + " worker.");
  public static final Param<Integer> TEACHER_AVERAGING_PERIOD =
      param(
          "teacher.averaging-period",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          TrainTeacherAction.DEFAULT_AVERAGING_PERIOD,
          "Minibatches each"
              + " worker fits between two parameter averagings while training the teacher.");
  public static final Param<Integer> TEACHER_JITTER =
      param(
          "teacher.jitter",
          ParamTypes.integer(0, 13),
          0,
          "Input jitter: every training image is shifted by a random whole number of pixels in [-jitter, jitter] along"
              + " each axis, afresh at every visit (Hinton et al. jittered by up to 2 pixels); 0 = no jitter. Needs square"
              + " images (784 features = 28 x 28).");
  public static final Param<String> TEACHER_SEARCH =
      param(
          "teacher.search",
          ParamTypes.choice(List.of(SEARCH_OFF, SEARCH_HALVING)),
          SEARCH_OFF,
          "How a teacher this run trains gets its recipe (a teacher given as teacher.model is used as it is). off ="
              + " the keys above. halving = chosen on the validation rows by successive halving: every learning-rate"
              + " factor x jitter of the two lists below trains for a few epochs, the best third continue for three"
              + " times as many, until one has trained teacher.epochs; the epoch kept is its best on validation (so"
              + " the epochs are chosen too). Every trial's validation accuracy and the choice are in the log, the"
              + " manifest (teacher.search) and the report. Needs data.validation-rows > 0; the test split is never"
              + " read.");
  public static final Param<List<Double>> TEACHER_SEARCH_LEARNING_RATE_FACTORS =
      param(
          "teacher.search-learning-rate-factors",
          ParamTypes.numbers(Range.POSITIVE),
          List.of(0.5, 1.0, 2.0),
          "Factors the search multiplies the teacher's learning rate by: teacher.learning-rate for the MLP, the"
              + " JSON's own rate (or its schedule's initial value) for a teacher.dl4j-json network.");
  public static final Param<List<Integer>> TEACHER_SEARCH_JITTERS =
      param(
          "teacher.search-jitters",
          ParamTypes.integers(0, 13),
          List.of(0, 2),
          "Input jitters the search tries (as teacher.jitter; 0 = off); more than 0 needs square images.");

  // ---- soft labels
  public static final Param<Double> SOFT_LABELS_TEMPERATURE =
      param(
          "soft-labels.temperature",
          ParamTypes.number(Range.POSITIVE, false),
          4.0,
          "Temperature T the soft labels are stored at; the teacher's"
              + " logits are stored as well, so students may use other temperatures.");
  public static final Param<Integer> SOFT_LABELS_BATCH_SIZE =
      param(
          "soft-labels.batch-size",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          SoftLabelAction.DEFAULT_BATCH_SIZE,
          "Examples per teacher inference" + " call.");
  public static final Param<Integer> SOFT_LABELS_TOP_K =
      param(
          "soft-labels.top-k",
          ParamTypes.integer(0, Integer.MAX_VALUE),
          0,
          "Keep only the k largest probabilities at the temperature above, and their classes,"
              + " instead of all K logits (for many classes: 8 bytes a row per kept class instead of 8 per class)."
              + " Students then learn from them: the probability left over is spread evenly over the classes left out,"
              + " and a student's own T re-tempers them. 0 = keep the full logits.");
  public static final Param<Integer> SOFT_LABELS_TRANSFER_COPIES =
      param(
          "soft-labels.transfer-copies",
          ParamTypes.integer(0, 100),
          TransferSetAction.DEFAULT_COPIES,
          "The transfer set the students learn from is the training rows plus this many"
              + " jittered copies of each (shifted by up to transfer-jitter pixels along each axis, hard label kept), all"
              + " labelled by the teacher; baselines train on the same rows with their hard labels, so both see the same"
              + " budget. Written to run.dir/transfer/train. Needs square images (a square number of features); 0 = the"
              + " training rows alone, for any data.");
  public static final Param<Integer> SOFT_LABELS_TRANSFER_JITTER =
      param(
          "soft-labels.transfer-jitter",
          ParamTypes.integer(1, 13),
          TransferSetAction.DEFAULT_MAX_SHIFT,
          "Largest shift, in pixels, of the transfer set's jittered copies.");
  public static final Param<String> SOFT_LABELS_CACHE =
      param(
          "soft-labels.cache",
          ParamTypes.string(true, "a directory (any Hadoop FS URI)"),
          null,
          "Soft labels kept across runs: the teacher labels only the rows of the training and test splits that have"
              + " no soft labels in this directory from the same teacher (its sha256), input scaling, temperature"
              + " and top-k, adds them there, and the run copies what it needs. A row is known by its id, so a row"
              + " whose features change must get a new id. Another teacher starts from nothing (and says so). The"
              + " transfer set's copies are always labelled anew. The nightly command sets it to"
              + " <runs-root>/soft-labels. null = label every row each run.");

  // ---- students
  public static final Param<Double> STUDENTS_ALPHA =
      param(
          "students.alpha",
          ParamTypes.number(Range.UNIT, false),
          0.1,
          "Weight of the hard-label cross-entropy term for distilled students (baselines always use 1).");
  public static final Param<Double> STUDENTS_TEMPERATURE =
      param(
          "students.temperature",
          ParamTypes.number(Range.POSITIVE, false),
          8.0,
          "Distillation temperature T for sizes that do not set their" + " own.");
  public static final Param<Double> STUDENTS_LEARNING_RATE =
      param(
          "students.learning-rate",
          ParamTypes.number(Range.POSITIVE, false),
          Optimiser.STUDENT_LEARNING_RATE,
          "Adam learning rate of the MLP students"
              + " (a student from dl4j-json keeps its JSON's updater, learning rate and schedule).");
  public static final Param<Double> STUDENTS_LR_DECAY =
      param(
          "students.lr-decay",
          ParamTypes.number(Range.RETAIN, false),
          Optimiser.STUDENT_DECAY,
          "Factor the MLP students' learning rate is multiplied by after every epoch (1 ="
              + " constant rate).");
  public static final Param<Integer> STUDENTS_EPOCHS =
      param(
          "students.epochs",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          TrainingSettings.DEFAULT_EPOCHS,
          "Passes over the training rows, per student.");
  public static final Param<Double> STUDENTS_INPUT_RETAIN =
      param(
          "students.input-retain",
          ParamTypes.number(Range.RETAIN, false),
          StudentSweep.DEFAULT_RETAIN,
          "Dropout retain probability of the input" + " layer (1 = no dropout).");
  public static final Param<Double> STUDENTS_HIDDEN_RETAIN =
      param(
          "students.hidden-retain",
          ParamTypes.number(Range.RETAIN, false),
          StudentSweep.DEFAULT_RETAIN,
          "Dropout retain probability of the hidden layers (1 = no dropout).");
  public static final Param<Integer> STUDENTS_BATCH_SIZE =
      param(
          "students.batch-size",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          TrainingSettings.DEFAULT_BATCH_SIZE,
          "Minibatch size of the students' training, per worker.");
  public static final Param<Integer> STUDENTS_AVERAGING_PERIOD =
      param(
          "students.averaging-period",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          TrainingSettings.DEFAULT_AVERAGING_PERIOD,
          "Minibatches each worker"
              + " fits between two parameter averagings while training a student: longer periods mean fewer, larger Spark jobs (faster) and more drift between"
              + " the workers.");
  public static final Param<Integer> STUDENTS_MIN_STEPS_PER_EPOCH =
      param(
          "students.min-steps-per-epoch",
          ParamTypes.integer(0, 1_000_000),
          0,
          "The fewest optimiser steps each worker takes per epoch while training a student: where a worker's"
              + " share of the training rows divided by students.batch-size gives fewer, the minibatch is"
              + " lowered to give this many (the log says so). A budget in epochs and a minibatch set for a"
              + " large dataset leave a small one a handful of steps (1,137 rows at 128 per worker on 2"
              + " workers: 4 per epoch); data large enough trains as configured. 0 = the minibatch as"
              + " configured, always.");
  public static final Param<Integer> STUDENTS_JITTER =
      param(
          "students.jitter",
          ParamTypes.integer(0, 13),
          0,
          "Input jitter of the students' training images, as teacher.jitter, for distilled students and baselines"
              + " alike (a distilled student learns the teacher's outputs for the unshifted image); 0 = none.");
  public static final Param<Double> STUDENTS_TARGET_ACCURACY_DROP =
      param(
          "students.target-accuracy-drop",
          ParamTypes.number(Range.UNIT_POINTS, true),
          null,
          "Distil to a target: the run ends by naming the smallest distilled student of the sweep whose validation"
              + " accuracy is at most this many percentage points below the teacher's (e.g. 0.5), or, when none is,"
              + " the most accurate one and by how much it misses; in the log, the manifest and the report. Judged on"
              + " the validation rows only. null = no target.");
  public static final Param<Double> STUDENTS_TARGET_AGREEMENT =
      param(
          "students.target-agreement",
          ParamTypes.number(Range.SHARE, true),
          null,
          "Distil to a target of fidelity: the run ends by naming the smallest distilled student of the sweep"
              + " that predicts the teacher's class on at least this share of the validation rows (e.g. 0.99), or,"
              + " when none does, the one that agrees most and by how much it misses; with"
              + " students.target-accuracy-drop too, a student must meet both. null = no target.");
  public static final Param<Integer> STUDENTS_TARGET_GROW_STEPS =
      param(
          "students.target-grow-steps",
          ParamTypes.integer(0, 10),
          2,
          "Distil to a target by growing width, family by family (MLPs with as many hidden layers; one dl4j-json at"
              + " any width), the one whose largest size has the fewest parameters first: while no distilled student"
              + " of a family meets the target, at most this many wider students of it train after the sweep, one at"
              + " a time: the first is the family's largest size with its widths times students.target-grow-factor"
              + " (an MLP's hidden widths; a dl4j-json student's units and channels, through its size's width factor),"
              + " each next one that factor wider again; none that would cost as much as the teacher to run (its"
              + " forward flops; the log and the answer say when that stops it), and, once a student meets the"
              + " target, none with as many parameters as it (it could not be a smaller answer). Each keeps that size's settings"
              + " (searched, as every size, when students.search is on) and trains beside a hard-label baseline; they are evaluated and reported"
              + " as the sweep's sizes are. 0 = the answer comes from the sweep alone.");
  public static final Param<Integer> STUDENTS_TARGET_NARROW_STEPS =
      param(
          "students.target-narrow-steps",
          ParamTypes.integer(0, 10),
          2,
          "Distil to a target by narrowing: when a distilled student meets the target (of the sweep or grown)"
              + " and a smaller one of its family misses it (an MLP with as many hidden layers, or the same dl4j-json"
              + " at another width factor), at most this many students train between the two, one at a time, each"
              + " with the geometric mean of their widths (hidden widths, or width factors), between the"
              + " smallest that meets the target and the largest smaller one that misses, so that the answer is"
              + " the smallest found. Each keeps the settings of the size that met the target and trains beside a"
              + " hard-label baseline. 0 = no narrowing.");
  public static final Param<Double> STUDENTS_TARGET_GROW_FACTOR =
      param(
          "students.target-grow-factor",
          ParamTypes.number(Range.ABOVE_ONE, false),
          2.0,
          "How much wider each student grown for a target is than the one before it (an MLP's every hidden width"
              + " multiplied, rounded, at least one unit more; a dl4j-json student's width factor multiplied).");
  public static final Param<String> STUDENTS_SEARCH =
      param(
          "students.search",
          ParamTypes.choice(List.of(SEARCH_OFF, SEARCH_HALVING)),
          SEARCH_OFF,
          "How each student's settings are chosen. off = every model trains once with the settings above (its"
              + " size's T and alpha, the learning rate and decay). halving = searched per model on the validation"
              + " rows by successive halving: students.search-trials settings train for a few epochs, the best"
              + " 1/students.search-eta continue for eta times as many, until one has trained students.epochs (for 9"
              + " trials and eta 3: 2.3 full trainings per model). The baseline of each size searches its learning rate and"
              + " decay; the distilled student's trials are paired with the baseline's (trial i: the same rate, decay"
              + " and seed) and search T, alpha and logit standardisation, so both try the same optimisers in the same"
              + " number of trials. Alpha 1 (hard labels only) is always a candidate: a distilled student whose search"
              + " ends below its baseline on validation becomes the baseline's model, and the run says so. The"
              + " settings above are every search's first trial. Needs data.validation-rows > 0; the test split is never read.");
  public static final Param<Integer> STUDENTS_SEARCH_TRIALS =
      param(
          "students.search-trials",
          ParamTypes.integer(2, 1000),
          SearchPlan.DEFAULT_TRIALS,
          "Settings tried per model by the search (distilled and baseline alike).");
  public static final Param<String> STUDENTS_ASSISTANT =
      param(
          "students.assistant",
          ParamTypes.choice(List.of(SEARCH_OFF, "on")),
          SEARCH_OFF,
          "Teacher assistants for the smaller sizes (Mirzadeh et al. 2020). on = every size after the first in"
              + " students.sizes is also distilled, with its own settings, from the most accurate distilled student"
              + " (on validation) of the sizes listed before it: that student labels the training split like a"
              + " teacher (soft-labels/assistant-<model>), and validation decides per size which of the two is the"
              + " size's distilled student (students/<size>-distilled; the other stays as"
              + " students/<size>-via-<assistant>-distilled). The choice is in the log, the manifest (assistants)"
              + " and the report. List the sizes largest first. With students.search = off only.");
  public static final Param<Integer> STUDENTS_SEARCH_ETA =
      param(
          "students.search-eta",
          ParamTypes.integer(2, 100),
          SearchPlan.DEFAULT_ETA,
          "At each rung of the search, the best 1/eta of the trials continue, for eta times as many epochs.");
  public static final Param<Integer> STUDENTS_SEARCH_FIRST_RUNG_EPOCHS =
      param(
          "students.search-first-rung-epochs",
          ParamTypes.integer(1, 100_000),
          SearchPlan.DEFAULT_FIRST_RUNG_EPOCHS,
          "Epochs every trial of the search trains before the first cut (ASHA's minimum resource): each rung"
              + " trains at least this many, up to students.epochs. 1 = the rungs successive halving derives"
              + " (students.epochs / eta^k: for 18 trials, eta 3 and 20 epochs, cuts after epochs 1, 2 and 7, 47"
              + " epochs per model). More spares trials that start slowly from a cut after one epoch, at a cost (2:"
              + " cuts after epochs 2, 2 and 7, 59 epochs per model). The log gives the rungs; the report, the cost and the"
              + " epochs each trial reached.");
  public static final Param<List<Double>> STUDENTS_SEARCH_TEMPERATURES =
      param(
          "students.search-temperatures",
          ParamTypes.numbers(Range.POSITIVE),
          SearchSpace.DEFAULT_TEMPERATURES,
          "Temperatures the search tries for distilled students.");
  public static final Param<List<Double>> STUDENTS_SEARCH_ALPHAS =
      param(
          "students.search-alphas",
          ParamTypes.numbers(Range.UNIT),
          SearchSpace.DEFAULT_ALPHAS,
          "Alphas below 1 the search tries for distilled students (1, hard labels only, is always a candidate"
              + " through the baseline).");
  public static final Param<List<Boolean>> STUDENTS_SEARCH_STANDARDISE =
      param(
          "students.search-standardise",
          ParamTypes.booleans(),
          SearchSpace.DEFAULT_STANDARDISE,
          "Whether the distilled students' soft term compares the logits (false) or their z-scores per row"
              + " (true: logit standardisation, Sun et al. 2024, which lets a small student match the shape of"
              + " the teacher's logits without their scale); the search tries each listed.");
  public static final Param<List<Double>> STUDENTS_SEARCH_DKD_BETAS =
      param(
          "students.search-dkd-betas",
          ParamTypes.numbers(Range.NON_NEGATIVE),
          SearchSpace.DEFAULT_DKD_BETAS,
          "The distilled students' soft term: 0 is Hinton's KL; beta > 0 the decoupled term TCKD + beta * NCKD"
              + " (Zhao et al. 2022), which weighs the teacher's distribution over the non-target classes by beta"
              + " instead of by 1 - p(target), so a confident teacher's dark knowledge is not muted; the search"
              + " tries each listed.");
  public static final Param<List<Double>> STUDENTS_SEARCH_LEARNING_RATES =
      param(
          "students.search-learning-rates",
          ParamTypes.numbers(Range.POSITIVE),
          SearchSpace.DEFAULT_LEARNING_RATES,
          "Learning rates the search tries for MLP students, distilled and baseline (a dl4j-json student keeps"
              + " its JSON's updater: its trials differ in T, alpha and seed).");
  public static final Param<List<Double>> STUDENTS_SEARCH_LR_DECAYS =
      param(
          "students.search-lr-decays",
          ParamTypes.numbers(Range.RETAIN),
          SearchSpace.DEFAULT_LR_DECAYS,
          "Learning-rate decays per epoch the search tries for MLP students, distilled and baseline.");
  public static final Param<List<StudentSize>> STUDENTS_SIZES =
      param(
          "students.sizes",
          ParamTypes.sizes(),
          // Each model's settings as the search chose them on the slice's validation rows
          // (docs/BENCHMARKS.md, "The default run with the settings search"); at 30x30 no distilled
          // setting beat the baseline there, so its distilled student is it. A baseline whose
          // setting is its distilled student's rate, decay and seed (a paired trial) leaves its
          // own null. Every default student is smaller than the shipped teacher (300x300: 76 % of
          // its parameters); 800x800 (296 %, Hinton et al.'s student) is conf/mnist.conf's.
          List.of(
              new StudentSize(
                  "300x300",
                  List.of(300, 300),
                  null,
                  null,
                  8.0,
                  0.5,
                  44L,
                  null,
                  null,
                  0.004,
                  0.85,
                  null,
                  null,
                  null),
              new StudentSize(
                  "100x100",
                  List.of(100, 100),
                  null,
                  null,
                  20.0,
                  0.9,
                  48L,
                  true,
                  null,
                  0.004,
                  1.0,
                  null,
                  null,
                  null),
              new StudentSize(
                  "30x30",
                  List.of(30, 30),
                  null,
                  null,
                  8.0,
                  1.0,
                  48L,
                  null,
                  null,
                  0.004,
                  1.0,
                  null,
                  null,
                  null),
              // Smaller than the teacher in every respect (0.7 % of its parameters, 0.6 % of its
              // forward flops); its optimiser is its JSON's.
              new StudentSize(
                  "cnn-tiny",
                  null,
                  TINY_CNN_STUDENT,
                  null,
                  20.0,
                  0.5,
                  50L,
                  true,
                  null,
                  null,
                  null,
                  null,
                  null,
                  47L)),
          "The student sizes: a list of objects, at least one. Each object has name (string, unique, [A-Za-z0-9_.-]+,"
              + " required: names the student in the run's outputs); hidden (list of integers >= 1: an MLP with these"
              + " hidden widths, [] = softmax regression) or dl4j-json (path to a DL4J MultiLayerConfiguration JSON, for"
              + " any other shape, e.g. the convolutional students shipped in the jar, \""
              + TINY_CNN_STUDENT
              + "\" and \""
              + SMALL_CNN_STUDENT
              + "\", 0.7 % and 2 % of the shipped teacher's parameters; such a student keeps its JSON's"
              + " optimiser), exactly one of the two; width (number > 0, optional, dl4j-json only: every hidden"
              + " layer's units or channels times this, rounded, the output layer's classes kept, e.g. 2 = twice"
              + " as wide; distil-to-target grows and narrows a dl4j-json student by it); temperature (number > 0, optional: this"
              + " size's T, default students.temperature); alpha (number in [0, 1], optional: default students.alpha);"
              + " seed (integer, optional: default training.seed; list a shape several times under different names and"
              + " seeds to measure the spread over seeds). Optional settings of the size's own, to fix what a search"
              + " chose (students.search = off): standardise (true/false: the distilled student's soft term on"
              + " standardised logits), dkd-beta (number >= 0: the decoupled soft term's beta, 0 Hinton's KL),"
              + " learning-rate and lr-decay (both models), baseline-learning-rate,"
              + " baseline-lr-decay and baseline-seed (the baseline's own, where they differ).");

  // ---- training
  public static final Param<Integer> TRAINING_WORKERS =
      param(
          "training.workers",
          ParamTypes.integer(0, Integer.MAX_VALUE),
          TrainingSettings.DEFAULT_WORKERS,
          "Number of Spark workers (data partitions trained in parallel); 0 = Spark's default"
              + " parallelism.");
  public static final Param<Double> TRAINING_MAX_LOSS_GROWTH =
      param(
          "training.max-loss-growth",
          ParamTypes.number(new Range(1, false, Double.POSITIVE_INFINITY, false), true),
          TrainingSettings.DEFAULT_MAX_LOSS_GROWTH,
          "A model whose mean training or validation loss in an epoch is more than this many times"
              + " the untrained network's validation loss (its first epoch's training loss where there"
              + " is no validation split) has diverged: its training stops with one line naming the"
              + " model, the epoch"
              + " and the loss, nothing of it is published, and the run fails without _SUCCESS. A NaN"
              + " or infinite loss always stops it. null = no bound on the growth.");
  public static final Param<Long> TRAINING_SEED =
      param(
          "training.seed",
          ParamTypes.longInteger(Long.MIN_VALUE),
          TrainingSettings.DEFAULT_SEED,
          "Random seed (weights, shuffling, dropout).");
  public static final Param<Integer> TRAINING_CONCURRENT_STUDENTS =
      param(
          "training.concurrent-students",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          StudentSweep.DEFAULT_CONCURRENT_STUDENTS,
          "Students of the sweep trained at once, each with the workers"
              + " above, in its own scheduler pool: for clusters with more executor cores than one small student can use"
              + " (run with spark.scheduler.mode=FAIR).");

  // ---- evaluation
  public static final Param<Integer> EVALUATION_LATENCY_CALLS =
      param(
          "evaluation.latency-calls",
          ParamTypes.integer(200, Integer.MAX_VALUE),
          ModelEvaluator.DEFAULT_LATENCY_CALLS,
          "Single-example calls timed per model for the latency" + " percentiles.");
  public static final Param<Integer> EVALUATION_THROUGHPUT_BATCH =
      param(
          "evaluation.throughput-batch",
          ParamTypes.integer(1, Integer.MAX_VALUE),
          ModelEvaluator.DEFAULT_THROUGHPUT_BATCH,
          "Batch size of the throughput" + " measurement.");

  // ---- nightly
  public static final String NIGHTLY_SCRATCH = "scratch";
  public static final String NIGHTLY_WARM = "warm";
  public static final Param<String> NIGHTLY_STUDENTS =
      param(
          "nightly.students",
          ParamTypes.choice(List.of(NIGHTLY_SCRATCH, NIGHTLY_WARM)),
          NIGHTLY_SCRATCH,
          "How a nightly run trains its students. scratch = from their initialisation over all training rows. warm ="
              + " each model starts from the champion's model of the same name and shape and trains over the last"
              + " window of data: the training rows the champion's run did not have, with as many of its rows drawn"
              + " at random (replay, against forgetting; all training rows when none was added); a model the champion lacks, or of another shape, starts from scratch. The choice and the"
              + " window are in the manifest (students.start). Applies to students.search = off.");
  public static final Param<Double> NIGHTLY_TOLERANCE =
      param(
          "nightly.tolerance",
          ParamTypes.number(Range.UNIT_POINTS, false),
          0.2,
          "The nightly command promotes tonight's run only when each of its distilled students is at most this many"
              + " percentage points below the champion's student of the same size on the holdout (the validation"
              + " rows; see data.validation-fraction); otherwise the night is recorded as not promoted and the"
              + " command exits 3. Read by the nightly command only.");

  // ---- stages
  public static final Param<List<String>> STAGES =
      param(
          "stages",
          ParamTypes.stages(RunConfig.STAGES),
          RunConfig.STAGES,
          "Which stages to run, any of: "
              + String.join(", ", RunConfig.STAGES)
              + ". They always run in"
              + " that order, whatever the order here; a stage left out is not run, so the stages after it need its"
              + " outputs already in run.dir (from an earlier run).");

  /** The keys that say what an ONNX teacher's graph takes ({@link RunConfig#teacherInput()}). */
  public static final List<Param<?>> TEACHER_INPUT =
      List.of(TEACHER_INPUT_SHAPE, TEACHER_INPUT_SCALE, TEACHER_INPUT_MEAN, TEACHER_INPUT_STD);

  /** {@code group} followed by {@code more}, for a stage's list of keys. */
  public static List<Param<?>> with(List<Param<?>> group, Param<?>... more) {
    List<Param<?>> all = new ArrayList<>(group);
    all.addAll(Arrays.asList(more));
    return all;
  }

  /** Every parameter, in declaration order. */
  public static final List<Param<?>> ALL = List.copyOf(DECLARED);

  private Params() {}

  private static <T> Param<T> param(String key, ParamType<T> type, T defaultValue, String doc) {
    Param<T> p = new Param<>(key, type, defaultValue, doc);
    DECLARED.add(p);
    return p;
  }

  /** The parameter with this key (relative to {@code distill}), or null. */
  public static Param<?> byKey(String key) {
    for (Param<?> p : ALL) {
      if (p.key().equals(key)) {
        return p;
      }
    }
    return null;
  }
}
