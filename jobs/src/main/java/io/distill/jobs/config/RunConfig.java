package io.distill.jobs.config;

import com.typesafe.config.ConfigUtil;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of one pipeline run, {@code spark-submit distill-job.jar [--config FILE] [--set key=value
 * ...]}: immutable, validated, with every default filled in.
 *
 * <p>{@link #load} layers three sources, highest first: the {@code key=value} overrides (later ones win), the
 * HOCON config file, and the defaults ({@code conf/default.conf}, which the jar carries as the resource
 * {@value #DEFAULTS_RESOURCE}; that file documents every key). All keys live under the root object
 * {@code distill}; override keys are relative to it. Everything is checked in {@code load}, before any Spark
 * work: unknown keys, wrong types, out-of-range values, duplicate student names, unknown stages; every problem
 * found is reported together in one {@link RunConfigException}, one per line, each naming its full key.
 *
 * <p>{@link #asMap()} and {@link #resolved()} give the effective configuration (for the run manifest); the
 * text of {@code resolved()} is itself a valid config file that loads back to an equal {@code RunConfig}.
 *
 * @param run where the run writes ({@code distill.run})
 * @param data the dataset ({@code distill.data})
 * @param teacher the teacher network ({@code distill.teacher})
 * @param softLabels the soft-label stage ({@code distill.soft-labels})
 * @param students the student sweep ({@code distill.students})
 * @param training data-parallel training on Spark, for teacher and students ({@code distill.training})
 * @param evaluation the evaluation stage ({@code distill.evaluation})
 * @param stages the stages to run, a non-empty subset of {@link #STAGES} in pipeline order
 */
public record RunConfig(
    Run run,
    Data data,
    Teacher teacher,
    SoftLabels softLabels,
    Students students,
    Training training,
    Evaluation evaluation,
    List<String> stages) {

  /** The root object every key lives under. */
  public static final String ROOT = "distill";

  /** The classpath resource holding the defaults, byte-identical to {@code conf/default.conf}. */
  public static final String DEFAULTS_RESOURCE = "/io/distill/jobs/config/default.conf";

  /** The pipeline's stages, in the order they run. */
  public static final List<String> STAGES =
      List.of("import", "teacher", "soft-labels", "students", "evaluate", "report");

  /** {@code data.input} value that selects the MNIST slice inside the jar. */
  public static final String EMBEDDED = "embedded";

  public RunConfig {
    Objects.requireNonNull(run, "run");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(teacher, "teacher");
    Objects.requireNonNull(softLabels, "softLabels");
    Objects.requireNonNull(students, "students");
    Objects.requireNonNull(training, "training");
    Objects.requireNonNull(evaluation, "evaluation");
    stages = List.copyOf(stages);
  }

  /**
   * Loads, merges and validates a run configuration.
   *
   * @param configFileOrNull a HOCON file (local path) that may set any keys under {@code distill}; null = none,
   *     only the defaults and the overrides apply
   * @param overrides {@code key=value} strings, key relative to {@code distill} (a leading {@code distill.} is
   *     accepted too), value parsed as HOCON ({@code students.epochs=5},
   *     {@code students.sizes=[{name=a,hidden=[10]}]}); a value that is not valid HOCON, or that HOCON would
   *     change (a {@code //} or {@code #} would start a comment), is taken as the plain string
   *     ({@code run.dir=s3a://b/r}). Later overrides win over earlier ones. Null = none.
   * @throws RunConfigException listing every problem, one per line
   */
  public static RunConfig load(String configFileOrNull, List<String> overrides) {
    return new RunConfigLoader().load(configFileOrNull, overrides == null ? List.of() : overrides);
  }

  /** The defaults alone: {@code load(null, List.of())}. */
  public static RunConfig defaults() {
    return load(null, List.of());
  }

  /** Whether {@code stage} (one of {@link #STAGES}) is to run. */
  public boolean runs(String stage) {
    return stages.contains(stage);
  }

  /**
   * The effective configuration as nested, unmodifiable maps and lists in the order of
   * {@code conf/default.conf}, rooted at {@code "distill"}; keys are the config's own ({@code "rows-per-partition"}),
   * values are {@code String}, {@code Integer}, {@code Long} ({@code training.seed}), {@code Double},
   * {@code List}, {@code Map} or null ({@code teacher.model}, {@code teacher.max-norm}). Each student size has
   * {@code name}, {@code hidden} or {@code dl4j-json}, and its effective {@code temperature} and {@code alpha}.
   */
  public Map<String, Object> asMap() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("run", map("dir", run.dir()));
    d.put("data", map("input", data.input(), "rows-per-partition", data.rowsPerPartition(),
        "validation-rows", data.validationRows(), "validation-seed", data.validationSeed()));
    d.put("teacher", map("model", teacher.model(), "dl4j-json", teacher.dl4jJson(), "hidden", teacher.hidden(),
        "input-retain", teacher.inputRetain(), "hidden-retain", teacher.hiddenRetain(),
        "max-norm", teacher.maxNorm(), "learning-rate", teacher.learningRate(), "momentum", teacher.momentum(),
        "epochs", teacher.epochs(), "lr-decay", teacher.lrDecay(), "jitter", teacher.jitter()));
    d.put("soft-labels", map("temperature", softLabels.temperature(), "batch-size", softLabels.batchSize(),
        "top-k", softLabels.topK(), "transfer-copies", softLabels.transferCopies(), "transfer-jitter", softLabels.transferJitter()));
    List<Object> sizes = new ArrayList<>();
    for (StudentSize s : students.sizes()) {
      Map<String, Object> size = new LinkedHashMap<>(s.mlp()
          ? map("name", s.name(), "hidden", s.hidden(), "temperature", s.temperature(), "alpha", s.alpha())
          : map("name", s.name(), "dl4j-json", s.dl4jJson(), "temperature", s.temperature(), "alpha", s.alpha()));
      if (s.seed() != null) {
        size.put("seed", s.seed());
      }
      sizes.add(Collections.unmodifiableMap(size));
    }
    d.put("students", map("alpha", students.alpha(), "temperature", students.temperature(),
        "learning-rate", students.learningRate(), "lr-decay", students.lrDecay(), "epochs", students.epochs(),
        "input-retain", students.inputRetain(), "hidden-retain", students.hiddenRetain(),
        "sizes", Collections.unmodifiableList(sizes)));
    d.put("training", map("workers", training.workers(), "batch-size", training.batchSize(),
        "averaging-period", training.averagingPeriod(), "seed", training.seed(),
        "concurrent-students", training.concurrentStudents()));
    d.put("evaluation", map("latency-calls", evaluation.latencyCalls(),
        "throughput-batch", evaluation.throughputBatch()));
    d.put("stages", stages);
    return map(ROOT, Collections.unmodifiableMap(d));
  }

  /**
   * The effective configuration ({@link #asMap()}) as formatted JSON, which is also HOCON: written to a file,
   * it loads back (as {@code --config}) to an equal {@code RunConfig}.
   */
  public String resolved() {
    StringBuilder b = new StringBuilder();
    json(b, asMap(), "");
    return b.append('\n').toString();
  }

  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }

  private static void json(StringBuilder b, Object v, String indent) {
    if (v instanceof Map<?, ?> m) {
      b.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(indent).append("  ").append(ConfigUtil.quoteString((String) e.getKey())).append(": ");
        json(b, e.getValue(), indent + "  ");
        b.append(++i < m.size() ? ",\n" : "\n");
      }
      b.append(indent).append('}');
    } else if (v instanceof List<?> l) {
      boolean flat = l.stream().noneMatch(x -> x instanceof Map || x instanceof List);
      b.append(flat || l.isEmpty() ? "[" : "[\n");
      for (int i = 0; i < l.size(); i++) {
        if (!flat) {
          b.append(indent).append("  ");
        }
        json(b, l.get(i), indent + "  ");
        if (i + 1 < l.size()) {
          b.append(flat ? ", " : ",\n");
        } else if (!flat) {
          b.append('\n');
        }
      }
      b.append(flat || l.isEmpty() ? "" : indent).append(']');
    } else if (v instanceof String s) {
      b.append(ConfigUtil.quoteString(s));
    } else {
      b.append(v); // null, Integer, Long, Double (Double.toString is valid JSON for finite values)
    }
  }

  /**
   * {@code distill.run}.
   *
   * @param dir the run directory, any Hadoop FileSystem URI or local path
   */
  public record Run(String dir) {
    public Run {
      Objects.requireNonNull(dir, "dir");
    }
  }

  /**
   * {@code distill.data}.
   *
   * @param input {@value RunConfig#EMBEDDED}, a directory of the four MNIST IDX files (gzip or raw), or an
   *     imported Parquet directory with {@code train/} and {@code test/}
   * @param rowsPerPartition rows per Parquet partition written by the import, at least 1
   * @param validationRows rows of the training split held out for validation (stratified by label), at least 0
   * @param validationSeed the seed choosing those rows
   */
  public record Data(String input, int rowsPerPartition, long validationRows, long validationSeed) {
    public Data {
      Objects.requireNonNull(input, "input");
    }

    /** Whether {@link #input} selects the MNIST slice inside the jar. */
    public boolean embedded() {
      return EMBEDDED.equals(input);
    }
  }

  /**
   * {@code distill.teacher}.
   *
   * @param model an existing DL4J model zip to use as the teacher, or null to train one
   * @param dl4jJson a DL4J MultiLayerConfiguration JSON of the teacher to train (any shape), or null for the MLP of
   *     the keys below
   * @param hidden hidden-layer widths, each at least 1, at least one layer
   * @param inputRetain dropout retain probability of the input, in (0, 1]
   * @param hiddenRetain dropout retain probability of the hidden layers, in (0, 1]
   * @param maxNorm max-norm constraint, above 0, or null for none
   * @param learningRate SGD learning rate, above 0
   * @param momentum momentum, in [0, 1)
   * @param epochs passes over the training data, at least 1
   * @param lrDecay factor applied to the learning rate after every epoch, in (0, 1] (1 = constant)
   * @param jitter largest random shift in pixels of the training images along each axis, 0 = none
   */
  public record Teacher(
      String model,
      String dl4jJson,
      List<Integer> hidden,
      double inputRetain,
      double hiddenRetain,
      Double maxNorm,
      double learningRate,
      double momentum,
      int epochs,
      double lrDecay,
      int jitter) {
    public Teacher {
      hidden = List.copyOf(hidden);
    }

    /** Whether the teacher is trained by this run ({@link #model} is null). */
    public boolean trained() {
      return model == null;
    }
  }

  /**
   * {@code distill.soft-labels}.
   *
   * @param temperature the temperature the soft labels are stored at (the logits are stored too), above 0
   * @param batchSize examples per teacher inference call, at least 1
   * @param topK keep only the k largest probabilities (and their classes) per row, 0 = the full logits
   * @param transferCopies jittered copies of each training image added to the transfer set, 0 = none
   * @param transferJitter largest shift in pixels of those copies along each axis, at least 1
   */
  public record SoftLabels(double temperature, int batchSize, int topK, int transferCopies, int transferJitter) {}

  /**
   * {@code distill.students}: the sweep and the settings every student shares.
   *
   * @param alpha default weight of the hard-label term for distilled students, in [0, 1]
   * @param temperature default distillation temperature, above 0
   * @param learningRate Adam learning rate, above 0
   * @param lrDecay factor applied to the learning rate after every epoch, in (0, 1] (1 = constant)
   * @param epochs passes over the training data per student, at least 1
   * @param inputRetain dropout retain probability of the input, in (0, 1]
   * @param hiddenRetain dropout retain probability of the hidden layers, in (0, 1]
   * @param sizes the student sizes, at least one, names unique
   */
  public record Students(
      double alpha,
      double temperature,
      double learningRate,
      double lrDecay,
      int epochs,
      double inputRetain,
      double hiddenRetain,
      List<StudentSize> sizes) {
    public Students {
      sizes = List.copyOf(sizes);
    }
  }

  /**
   * One entry of {@code distill.students.sizes}: exactly one of {@code hidden} and {@code dl4jJson} is non-null.
   *
   * @param name unique, matching {@code [A-Za-z0-9_.-]+}
   * @param hidden hidden-layer widths of an MLP student (possibly empty: softmax regression), or null
   * @param dl4jJson path to a DL4J MultiLayerConfiguration JSON for any other shape, or null
   * @param temperature this size's distillation temperature (the size's own, else students.temperature)
   * @param alpha this size's hard-label weight (the size's own, else students.alpha)
   * @param seed this size's random seed, or null for training.seed
   */
  public record StudentSize(String name, List<Integer> hidden, String dl4jJson, double temperature, double alpha,
      Long seed) {
    public StudentSize {
      Objects.requireNonNull(name, "name");
      if ((hidden == null) == (dl4jJson == null)) {
        throw new IllegalArgumentException("student size " + name + ": exactly one of hidden, dl4jJson");
      }
      hidden = hidden == null ? null : List.copyOf(hidden);
    }

    /** Whether this is an MLP given by {@link #hidden} (else a DL4J JSON configuration). */
    public boolean mlp() {
      return hidden != null;
    }
  }

  /**
   * {@code distill.training}: data-parallel training on Spark (parameter averaging).
   *
   * @param workers Spark workers, 0 = Spark's default parallelism
   * @param batchSize minibatch size per worker, at least 1
   * @param averagingPeriod minibatches between parameter averagings, at least 1
   * @param seed random seed
   * @param concurrentStudents students of the sweep trained at once, at least 1
   */
  public record Training(int workers, int batchSize, int averagingPeriod, long seed, int concurrentStudents) {}

  /**
   * {@code distill.evaluation}.
   *
   * @param latencyCalls single-example calls timed per model, at least 200
   * @param throughputBatch batch size of the throughput measurement, at least 1
   */
  public record Evaluation(int latencyCalls, int throughputBatch) {}
}
