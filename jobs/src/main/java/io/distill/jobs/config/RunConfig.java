package io.distill.jobs.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distill.teacher.TeacherInput;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configuration of one pipeline run, {@code spark-submit distill-job.jar [--config FILE] [--set
 * key=value ...]}: immutable, validated, with every default filled in. Values are read by
 * parameter: {@code config.get(Params.STUDENTS_EPOCHS)}.
 *
 * <p>{@link #load} layers three sources, highest first: the {@code key=value} overrides (later ones
 * win), the HOCON config file, and the defaults declared in {@link Params} ({@code
 * conf/default.conf} is generated from them and documents every key). All keys live under the root
 * object {@code distill}; override keys are relative to it. Everything is checked in {@code load},
 * before any Spark work: unknown keys, wrong types, out-of-range values, duplicate student names,
 * unknown stages; every problem found is reported together in one {@link RunConfigException}, one
 * per line, each naming its full key.
 *
 * <p>{@link #asMap()} and {@link #resolved()} give the effective configuration (for the run
 * manifest); the text of {@code resolved()} is itself a valid config file that loads back to an
 * equal {@code RunConfig}.
 */
public final class RunConfig {
  /** The root object every key lives under. */
  public static final String ROOT = "distill";

  /** The pipeline's stages, in the order they run. */
  public static final List<String> STAGES =
      List.of("import", "teacher", "soft-labels", "students", "evaluate", "report");

  /** {@code data.input} value that selects the MNIST slice inside the jar. */
  public static final String EMBEDDED = "embedded";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Map<Param<?>, Object> values;

  /** The keys {@link #get} may read, or null for all of them; {@link #reader} names who reads. */
  private final Set<Param<?>> readable;

  private final String reader;

  RunConfig(Map<Param<?>, Object> values) {
    this(Collections.unmodifiableMap(new LinkedHashMap<>(values)), null, null);
  }

  private RunConfig(Map<Param<?>, Object> values, Set<Param<?>> readable, String reader) {
    this.values = values;
    this.readable = readable;
    this.reader = reader;
  }

  /**
   * This configuration as {@code reader} (e.g. "stage students") may read it: {@link #get} of any
   * key outside {@code keys} fails, naming the reader and the key, so that what a stage reads is
   * what it declared.
   */
  public RunConfig readableOnly(String reader, Collection<Param<?>> keys) {
    return new RunConfig(values, Set.copyOf(keys), reader);
  }

  /**
   * The values of {@code keys} in their plain form (numbers, strings, lists, maps), by key in key
   * order: the part of a fingerprint that a stage's declared inputs make.
   */
  public Map<String, Object> valuesOf(Collection<Param<?>> keys) {
    Map<String, Object> out = new TreeMap<>();
    for (Param<?> p : keys) {
      out.put(p.key(), plain(p));
    }
    return out;
  }

  /**
   * Loads, merges and validates a run configuration.
   *
   * @param configFileOrNull a HOCON file (local path) that may set any keys under {@code distill};
   *     null = none
   * @param overrides {@code key=value} strings, key relative to {@code distill} (a leading {@code
   *     distill.} is accepted too), value parsed as HOCON ({@code students.epochs=5}, {@code
   *     students.sizes=[{name=a,hidden=[10]}]}); a value that is not valid HOCON, or that HOCON
   *     would change (a {@code //} or {@code #} would start a comment), is taken as the plain
   *     string ({@code run.dir=s3a://b/r}). Later overrides win. Null = none.
   * @throws RunConfigException listing every problem, one per line
   */
  public static RunConfig load(String configFileOrNull, List<String> overrides) {
    return new RunConfigLoader().load(configFileOrNull, overrides == null ? List.of() : overrides);
  }

  /** The defaults alone: {@code load(null, List.of())}. */
  public static RunConfig defaults() {
    return load(null, List.of());
  }

  /** The value of a parameter. */
  @SuppressWarnings("unchecked")
  public <T> T get(Param<T> param) {
    if (readable != null && !readable.contains(param)) {
      throw new IllegalStateException(
          reader
              + " reads "
              + param.key()
              + " without declaring it: declare it among"
              + " the keys it reads, so that its fingerprint covers it");
    }
    return value(param);
  }

  @SuppressWarnings("unchecked")
  private <T> T value(Param<T> param) {
    if (!values.containsKey(param)) {
      throw new IllegalArgumentException("not a parameter of this configuration: " + param);
    }
    return (T) values.get(param);
  }

  /** Whether {@code stage} (one of {@link #STAGES}) is to run. */
  public boolean runs(String stage) {
    return get(Params.STAGES).contains(stage);
  }

  /** Whether {@code data.input} selects the MNIST slice inside the jar. */
  /** What an ONNX teacher's graph takes (the teacher.input-* keys). */
  public TeacherInput teacherInput() {
    return new TeacherInput(
        get(Params.TEACHER_INPUT_SHAPE),
        get(Params.TEACHER_INPUT_SCALE),
        get(Params.TEACHER_INPUT_MEAN),
        get(Params.TEACHER_INPUT_STD));
  }

  public boolean embeddedData() {
    return EMBEDDED.equals(get(Params.DATA_INPUT));
  }

  /**
   * The student sizes with each one's temperature and alpha filled in from the section's where it
   * sets none.
   */
  public List<StudentSize> studentSizes() {
    for (Param<?> read :
        List.of(Params.STUDENTS_SIZES, Params.STUDENTS_TEMPERATURE, Params.STUDENTS_ALPHA)) {
      get(read); // what this reads, checked as any read is
    }
    return effectiveSizes();
  }

  /**
   * The effective configuration as nested maps and lists in the order of {@link Params}, rooted at
   * {@code "distill"}; each student size shows its effective temperature and alpha.
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> asMap() {
    Map<String, Object> root = new LinkedHashMap<>();
    for (Param<?> p : Params.ALL) {
      Object value =
          p == Params.STUDENTS_SIZES
              ? Params.STUDENTS_SIZES.type().plain(effectiveSizes())
              : plain(p);
      if (p.section().isEmpty()) {
        root.put(p.name(), value);
      } else {
        @SuppressWarnings("unchecked")
        Map<String, Object> section =
            (Map<String, Object>) root.computeIfAbsent(p.section(), k -> new LinkedHashMap<>());
        section.put(p.name(), value);
      }
    }
    return Map.of(ROOT, (Map<String, Object>) frozen(root));
  }

  /** Nested maps and lists that cannot be changed. */
  private static Object frozen(Object value) {
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(k, frozen(v)));
      return Collections.unmodifiableMap(out);
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(frozen(v)));
      return Collections.unmodifiableList(out);
    }
    return value;
  }

  private <T> Object plain(Param<T> p) {
    return p.type().plain(value(p));
  }

  private List<StudentSize> effectiveSizes() {
    List<StudentSize> out = new ArrayList<>();
    for (StudentSize s : value(Params.STUDENTS_SIZES)) {
      out.add(s.withDefaults(value(Params.STUDENTS_TEMPERATURE), value(Params.STUDENTS_ALPHA)));
    }
    return List.copyOf(out);
  }

  /**
   * The effective configuration ({@link #asMap()}) as indented JSON, which is also HOCON: written
   * to a file, it loads back (as {@code --config}) to an equal {@code RunConfig}.
   */
  public String resolved() {
    try {
      return JSON.writeValueAsString(asMap()) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RunConfig other && other.asMap().equals(asMap());
  }

  @Override
  public int hashCode() {
    return Objects.hash(asMap());
  }

  @Override
  public String toString() {
    return "RunConfig" + asMap();
  }
}
