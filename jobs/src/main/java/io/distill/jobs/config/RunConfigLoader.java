package io.distill.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Reads, merges and checks a {@link RunConfig}, collecting every problem (one instance per load). */
final class RunConfigLoader {
  /** The known keys of each object, by path; the schema {@code conf/default.conf} documents. */
  static final Map<String, List<String>> KEYS = new LinkedHashMap<>();

  static {
    KEYS.put("distill",
        List.of("run", "data", "teacher", "soft-labels", "students", "training", "evaluation", "stages"));
    KEYS.put("distill.run", List.of("dir"));
    KEYS.put("distill.data", List.of("input", "rows-per-partition", "validation-rows", "validation-seed"));
    KEYS.put("distill.teacher", List.of("model", "dl4j-json", "hidden", "input-retain", "hidden-retain", "max-norm",
        "learning-rate", "momentum", "epochs", "lr-decay", "jitter"));
    KEYS.put("distill.soft-labels", List.of("temperature", "batch-size", "top-k", "transfer-copies",
        "transfer-jitter"));
    KEYS.put("distill.students", List.of("alpha", "temperature", "learning-rate", "lr-decay", "epochs",
        "input-retain",
        "hidden-retain", "sizes"));
    KEYS.put("distill.training", List.of("workers", "batch-size", "averaging-period", "seed",
        "concurrent-students"));
    KEYS.put("distill.evaluation", List.of("latency-calls", "throughput-batch"));
  }

  /** The keys of one {@code distill.students.sizes} object. */
  static final List<String> SIZE_KEYS = List.of("name", "hidden", "dl4j-json", "temperature", "alpha", "seed");

  private static final String SIZES_PATH = "distill.students.sizes[]";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  private static final class Defaults {
    static final Config CONFIG = parseDefaults();
  }

  private final List<String> problems = new ArrayList<>();

  RunConfig load(String file, List<String> overrides) {
    Config merged = Defaults.CONFIG; // each layer falls back on the ones below it
    if (file != null) {
      Config c = parseFile(file);
      if (c != null) {
        merged = c.withFallback(merged);
      }
    }
    for (String override : overrides) { // later ones win
      Config c = parseOverride(override);
      if (c != null) {
        merged = c.withFallback(merged);
      }
    }
    try {
      merged = merged.resolve();
    } catch (ConfigException e) {
      problems.add("cannot resolve a substitution: " + e.getMessage());
      throw new RunConfigException(problems);
    }
    RunConfig config = read(merged.root());
    if (!problems.isEmpty()) {
      throw new RunConfigException(problems);
    }
    return config;
  }

  static Config parseDefaults() {
    try (InputStream in = RunConfig.class.getResourceAsStream(RunConfig.DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the defaults resource " + RunConfig.DEFAULTS_RESOURCE + " is missing");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return ConfigFactory.parseString(text,
          ConfigParseOptions.defaults().setOriginDescription("default.conf").setAllowMissing(false));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RunConfig.DEFAULTS_RESOURCE, e);
    }
  }

  // ---------------------------------------------------------------- sources

  private Config parseFile(String file) {
    if (file.isBlank()) {
      problems.add("cannot read config file '" + file + "': the name is blank");
      return null;
    }
    Path path;
    try {
      path = Paths.get(file);
    } catch (RuntimeException e) {
      problems.add("cannot read config file '" + file + "': not a valid path (" + e.getMessage() + ")");
      return null;
    }
    String why = !Files.exists(path) ? "no such file"
        : Files.isDirectory(path) ? "it is a directory"
        : !Files.isReadable(path) ? "permission denied"
        : null;
    if (why != null) {
      problems.add("cannot read config file '" + file + "': " + why);
      return null;
    }
    try {
      return ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException.Parse e) {
      problems.add("config file '" + file + "' is not valid HOCON: " + e.getMessage());
      return null;
    } catch (ConfigException e) {
      problems.add("cannot read config file '" + file + "': " + e.getMessage());
      return null;
    }
  }

  private Config parseOverride(String raw) {
    int eq = raw == null ? -1 : raw.indexOf('=');
    if (eq < 0 || raw.substring(0, eq).isBlank()) {
      problems.add("--set expects key=value, got '" + raw + "'");
      return null;
    }
    String key = raw.substring(0, eq).trim();
    String value = raw.substring(eq + 1);
    List<String> path;
    try {
      path = new ArrayList<>(ConfigUtil.splitPath(key));
    } catch (ConfigException e) {
      problems.add("--set expects key=value with a key such as students.epochs, got key '" + key + "' in '"
          + raw + "'");
      return null;
    }
    if (path.get(0).equals(RunConfig.ROOT)) {
      path.remove(0);
    }
    path.add(0, RunConfig.ROOT);
    ConfigValue parsed = parseOverrideValue(raw, value);
    if (parsed == null) {
      return null;
    }
    return ConfigFactory.empty().withValue(ConfigUtil.joinPath(path), parsed);
  }

  /**
   * The value as HOCON, or as the plain string where it is not HOCON (or HOCON would change it) and does not
   * look like a list, object, quoted string or substitution.
   */
  private ConfigValue parseOverrideValue(String raw, String value) {
    String trimmed = value.trim();
    String origin = "--set " + raw;
    ConfigValue parsed = null;
    boolean resolved = true;
    String error = null;
    try {
      Config c = ConfigFactory.parseString("v = " + value,
          ConfigParseOptions.defaults().setOriginDescription(origin));
      if (c.root().keySet().equals(Set.of("v"))) {
        parsed = c.root().get("v");
        resolved = c.isResolved();
      } else {
        error = "more than one value";
      }
    } catch (ConfigException e) {
      error = e.getMessage();
    }
    boolean structured = trimmed.startsWith("[") || trimmed.startsWith("{") || trimmed.startsWith("\"")
        || trimmed.startsWith("${");
    if (structured) {
      if (parsed == null) {
        problems.add("--set '" + raw + "': the value is not valid HOCON: " + error);
      }
      return parsed;
    }
    if (parsed == null
        || (resolved && parsed.valueType() == ConfigValueType.STRING && !parsed.unwrapped().equals(trimmed))) {
      return ConfigValueFactory.fromAnyRef(trimmed, origin);
    }
    return parsed;
  }

  // ---------------------------------------------------------------- the schema

  private RunConfig read(ConfigObject root) {
    checkKeys(root, "");
    ConfigObject d = object(root.get(RunConfig.ROOT), RunConfig.ROOT, "an object");
    if (d == null) {
      return null;
    }
    checkKeys(d, RunConfig.ROOT);
    RunConfig.Run run = run(d);
    RunConfig.Data data = data(d);
    RunConfig.Teacher teacher = teacher(d);
    RunConfig.SoftLabels softLabels = softLabels(d);
    RunConfig.Students students = students(d);
    RunConfig.Training training = training(d);
    RunConfig.Evaluation evaluation = evaluation(d);
    List<String> stages = stages(d);
    if (!problems.isEmpty()) {
      return null;
    }
    return new RunConfig(run, data, teacher, softLabels, students, training, evaluation, stages);
  }

  private RunConfig.Run run(ConfigObject d) {
    int before = problems.size();
    Section s = section(d, "run");
    String dir = s == null ? null : string(s.get("dir"), s.path("dir"), false);
    return problems.size() > before ? null : new RunConfig.Run(dir);
  }

  private RunConfig.Data data(ConfigObject d) {
    int before = problems.size();
    Section s = section(d, "data");
    if (s == null) {
      return null;
    }
    String input = string(s.get("input"), s.path("input"), false);
    Long rows = integer(s.get("rows-per-partition"), s.path("rows-per-partition"), 1, Integer.MAX_VALUE);
    Long validationRows = integer(s.get("validation-rows"), s.path("validation-rows"), 0, Long.MAX_VALUE);
    Long validationSeed = integer(s.get("validation-seed"), s.path("validation-seed"), Long.MIN_VALUE, Long.MAX_VALUE);
    return problems.size() > before ? null
        : new RunConfig.Data(input, rows.intValue(), validationRows, validationSeed);
  }

  private RunConfig.Teacher teacher(ConfigObject d) {
    int before = problems.size();
    Section s = section(d, "teacher");
    if (s == null) {
      return null;
    }
    String model = string(s.get("model"), s.path("model"), true);
    String dl4jJson = string(s.get("dl4j-json"), s.path("dl4j-json"), true);
    if (model != null && dl4jJson != null) {
      problems.add(s.path("model") + " and " + s.path("dl4j-json") + " cannot both be set: a given teacher (model) is"
          + " not trained, a DL4J JSON teacher is");
    }
    List<Integer> hidden = intList(s.get("hidden"), s.path("hidden"), false);
    Double inputRetain = number(s.get("input-retain"), s.path("input-retain"), Range.RETAIN, false);
    Double hiddenRetain = number(s.get("hidden-retain"), s.path("hidden-retain"), Range.RETAIN, false);
    Double maxNorm = number(s.get("max-norm"), s.path("max-norm"), Range.POSITIVE, true);
    Double learningRate = number(s.get("learning-rate"), s.path("learning-rate"), Range.POSITIVE, false);
    Double momentum = number(s.get("momentum"), s.path("momentum"), Range.MOMENTUM, false);
    Long epochs = integer(s.get("epochs"), s.path("epochs"), 1, Integer.MAX_VALUE);
    Double lrDecay = number(s.get("lr-decay"), s.path("lr-decay"), Range.RETAIN, false);
    Long jitter = integer(s.get("jitter"), s.path("jitter"), 0, 13);
    return problems.size() > before ? null : new RunConfig.Teacher(model, dl4jJson, hidden, inputRetain, hiddenRetain,
        maxNorm, learningRate, momentum, epochs.intValue(), lrDecay, jitter.intValue());
  }

  private RunConfig.SoftLabels softLabels(ConfigObject d) {
    int before = problems.size();
    Section s = section(d, "soft-labels");
    if (s == null) {
      return null;
    }
    Double temperature = number(s.get("temperature"), s.path("temperature"), Range.POSITIVE, false);
    Long batch = integer(s.get("batch-size"), s.path("batch-size"), 1, Integer.MAX_VALUE);
    Long topK = integer(s.get("top-k"), s.path("top-k"), 0, Integer.MAX_VALUE);
    Long copies = integer(s.get("transfer-copies"), s.path("transfer-copies"), 0, 100);
    Long jitter = integer(s.get("transfer-jitter"), s.path("transfer-jitter"), 1, 13);
    return problems.size() > before ? null : new RunConfig.SoftLabels(temperature, batch.intValue(),
        topK.intValue(), copies.intValue(), jitter.intValue());
  }

  private RunConfig.Students students(ConfigObject d) {
    int before = problems.size();
    Section s = section(d, "students");
    if (s == null) {
      return null;
    }
    Double alpha = number(s.get("alpha"), s.path("alpha"), Range.UNIT, false);
    Double temperature = number(s.get("temperature"), s.path("temperature"), Range.POSITIVE, false);
    Double learningRate = number(s.get("learning-rate"), s.path("learning-rate"), Range.POSITIVE, false);
    Double lrDecay = number(s.get("lr-decay"), s.path("lr-decay"), Range.RETAIN, false);
    Long epochs = integer(s.get("epochs"), s.path("epochs"), 1, Integer.MAX_VALUE);
    Double inputRetain = number(s.get("input-retain"), s.path("input-retain"), Range.RETAIN, false);
    Double hiddenRetain = number(s.get("hidden-retain"), s.path("hidden-retain"), Range.RETAIN, false);
    List<StudentDraft> drafts = sizes(s.get("sizes"), s.path("sizes"));
    if (problems.size() > before) {
      return null;
    }
    List<RunConfig.StudentSize> sizes = new ArrayList<>();
    for (StudentDraft x : drafts) {
      sizes.add(new RunConfig.StudentSize(x.name, x.hidden, x.dl4jJson,
          x.temperature != null ? x.temperature : temperature, x.alpha != null ? x.alpha : alpha, x.seed));
    }
    return new RunConfig.Students(alpha, temperature, learningRate, lrDecay, epochs.intValue(), inputRetain,
        hiddenRetain, sizes);
  }

  private record StudentDraft(String name, List<Integer> hidden, String dl4jJson, Double temperature,
      Double alpha, Long seed) {}

  private List<StudentDraft> sizes(ConfigValue v, String path) {
    String expected = "a non-empty list of student sizes ({name=..., hidden=[...]} or {name=..., dl4j-json=...})";
    if (v == null || v.valueType() != ConfigValueType.LIST) {
      problems.add(path + " must be " + expected + ", got " + describe(v));
      return null;
    }
    ConfigList list = (ConfigList) v;
    if (list.isEmpty()) {
      problems.add(path + " must be " + expected + ", got []");
      return null;
    }
    List<StudentDraft> drafts = new ArrayList<>();
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      ConfigObject o = object(list.get(i), at, "a student size object {name=..., hidden=[...] or dl4j-json=...}");
      if (o == null) {
        continue;
      }
      checkKeys(o, at, SIZE_KEYS, SIZES_PATH);
      String name = string(o.get("name"), at + ".name", false);
      if (name != null) {
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
          problems.add(at + ".name must match [A-Za-z0-9_.-]+ (and not be . or ..), cannot be: '" + name + "'");
        } else {
          Integer first = names.putIfAbsent(name, i);
          if (first != null) {
            problems.add(at + ".name must be unique, cannot be: '" + name + "' (" + path + "[" + first
                + "].name is '" + name + "' too)");
          }
        }
      }
      ConfigValue hiddenValue = present(o.get("hidden"));
      ConfigValue jsonValue = present(o.get("dl4j-json"));
      List<Integer> hidden = null;
      String json = null;
      if ((hiddenValue == null) == (jsonValue == null)) {
        problems.add(at + " must have exactly one of hidden (a list of widths: an MLP) or dl4j-json (a DL4J"
            + " MultiLayerConfiguration JSON), got " + (hiddenValue == null ? "neither" : "both"));
      } else if (hiddenValue != null) {
        hidden = intList(hiddenValue, at + ".hidden", true);
      } else {
        json = string(jsonValue, at + ".dl4j-json", false);
      }
      ConfigValue t = present(o.get("temperature"));
      Double temperature = t == null ? null : number(t, at + ".temperature", Range.POSITIVE, false);
      ConfigValue a = present(o.get("alpha"));
      Double alpha = a == null ? null : number(a, at + ".alpha", Range.UNIT, false);
      ConfigValue sd = present(o.get("seed"));
      Long seed = sd == null ? null : integer(sd, at + ".seed", Long.MIN_VALUE, Long.MAX_VALUE);
      drafts.add(new StudentDraft(name, hidden, json, temperature, alpha, seed));
    }
    return drafts;
  }

  private RunConfig.Training training(ConfigObject d) {
    int before = problems.size();
    Section s = section(d, "training");
    if (s == null) {
      return null;
    }
    Long workers = integer(s.get("workers"), s.path("workers"), 0, Integer.MAX_VALUE);
    Long batch = integer(s.get("batch-size"), s.path("batch-size"), 1, Integer.MAX_VALUE);
    Long period = integer(s.get("averaging-period"), s.path("averaging-period"), 1, Integer.MAX_VALUE);
    Long seed = integer(s.get("seed"), s.path("seed"), Long.MIN_VALUE, Long.MAX_VALUE);
    Long concurrent = integer(s.get("concurrent-students"), s.path("concurrent-students"), 1, Integer.MAX_VALUE);
    return problems.size() > before ? null
        : new RunConfig.Training(workers.intValue(), batch.intValue(), period.intValue(), seed,
            concurrent.intValue());
  }

  private RunConfig.Evaluation evaluation(ConfigObject d) {
    int before = problems.size();
    Section s = section(d, "evaluation");
    if (s == null) {
      return null;
    }
    Long calls = integer(s.get("latency-calls"), s.path("latency-calls"), 200, Integer.MAX_VALUE);
    Long batch = integer(s.get("throughput-batch"), s.path("throughput-batch"), 1, Integer.MAX_VALUE);
    return problems.size() > before ? null : new RunConfig.Evaluation(calls.intValue(), batch.intValue());
  }

  private List<String> stages(ConfigObject d) {
    String path = "distill.stages";
    ConfigValue v = d.get("stages");
    String names = String.join(", ", RunConfig.STAGES);
    if (v == null || v.valueType() != ConfigValueType.LIST) {
      problems.add(path + " must be a list of stage names (" + names + "), got " + describe(v));
      return null;
    }
    ConfigList list = (ConfigList) v;
    if (list.isEmpty()) {
      problems.add(path + " must list at least one stage (" + names + "), got []");
      return null;
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      String stage = string(list.get(i), at, false);
      if (stage == null) {
        continue;
      }
      if (!RunConfig.STAGES.contains(stage)) {
        String near = nearest(stage, RunConfig.STAGES);
        problems.add(at + " must be one of " + names + ", cannot be: '" + stage + "'"
            + (near == null ? "" : " (did you mean '" + near + "'?)"));
      } else {
        Integer first = seen.putIfAbsent(stage, i);
        if (first != null) {
          problems.add(at + " must not repeat a stage, cannot be: '" + stage + "' (already " + path + "["
              + first + "])");
        }
      }
    }
    return RunConfig.STAGES.stream().filter(seen::containsKey).toList();
  }

  // ---------------------------------------------------------------- objects and keys

  /** An object and its full path. */
  private record Section(ConfigObject object, String path) {
    ConfigValue get(String key) {
      return object.get(key);
    }

    String path(String key) {
      return path + "." + key;
    }
  }

  private Section section(ConfigObject d, String key) {
    String path = RunConfig.ROOT + "." + key;
    ConfigObject o = object(d.get(key), path, "an object");
    if (o == null) {
      return null;
    }
    checkKeys(o, path);
    return new Section(o, path);
  }

  private ConfigObject object(ConfigValue v, String path, String expected) {
    if (v != null && v.valueType() == ConfigValueType.OBJECT) {
      return (ConfigObject) v;
    }
    problems.add(path + " must be " + expected + ", got " + describe(v));
    return null;
  }

  private void checkKeys(ConfigObject o, String path) {
    checkKeys(o, path, path.isEmpty() ? List.of(RunConfig.ROOT) : KEYS.get(path), path);
  }

  /** Reports the keys of {@code o} not in {@code known}; {@code schemaPath} names the schema for hints. */
  private void checkKeys(ConfigObject o, String path, List<String> known, String schemaPath) {
    for (String key : new TreeSet<>(o.keySet())) {
      if (known.contains(key)) {
        continue;
      }
      String quoted = ConfigUtil.joinPath(key);
      if (path.isEmpty()) {
        String full = RunConfig.ROOT + "." + quoted;
        boolean misplaced = KEYS.containsKey(full) || KEYS.get(RunConfig.ROOT).contains(key);
        problems.add(quoted + " is not a known key: every key lives under '" + RunConfig.ROOT + "'"
            + (misplaced ? " (did you mean " + full + "?)" : ""));
        continue;
      }
      String full = path + "." + quoted;
      String hint = "";
      String near = nearest(key, known);
      if (near != null) {
        hint = " (did you mean '" + near + "'?)";
      } else {
        List<String> elsewhere = elsewhere(key, schemaPath);
        if (!elsewhere.isEmpty()) {
          hint = " (did you mean " + String.join(" or ", elsewhere) + "?)";
        }
      }
      problems.add(full + " is not a known key" + hint + "; " + path + " has: " + String.join(", ", known));
    }
  }

  /** Keys of the same (normalized) name in other objects of the schema, by full path. */
  private static List<String> elsewhere(String key, String schemaPath) {
    Set<String> found = new LinkedHashSet<>();
    for (Map.Entry<String, List<String>> e : KEYS.entrySet()) {
      for (String k : e.getValue()) {
        if (!e.getKey().equals(schemaPath) && normalize(k).equals(normalize(key))) {
          found.add(e.getKey() + "." + k);
        }
      }
    }
    if (!schemaPath.equals(SIZES_PATH)) {
      for (String k : SIZE_KEYS) {
        if (normalize(k).equals(normalize(key)) && !found.contains("distill.students." + k)) {
          found.add(SIZES_PATH + "." + k);
        }
      }
    }
    return new ArrayList<>(found);
  }

  /** The closest of {@code candidates} to {@code key}, if close enough to be a likely typo. */
  static String nearest(String key, List<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int distance = normalize(c).equals(normalize(key)) ? 0 : levenshtein(key.toLowerCase(Locale.ROOT), c);
      if (distance < bestDistance) {
        best = c;
        bestDistance = distance;
      }
    }
    return best != null && bestDistance <= Math.min(2, Math.max(1, key.length() / 3)) ? best : null;
  }

  private static String normalize(String key) {
    return key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
  }

  private static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  // ---------------------------------------------------------------- values

  /** A numeric range with optional bounds, and its wording in messages. */
  private record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {
    static final Range POSITIVE = new Range(0, false, Double.POSITIVE_INFINITY, false);
    static final Range RETAIN = new Range(0, false, 1, true);
    static final Range UNIT = new Range(0, true, 1, true);
    static final Range MOMENTUM = new Range(0, true, 1, false);

    boolean contains(double x) {
      return (minInclusive ? x >= min : x > min) && (maxInclusive ? x <= max : x < max);
    }

    @Override
    public String toString() {
      if (max == Double.POSITIVE_INFINITY) {
        return (minInclusive ? ">= " : "> ") + format(min);
      }
      return "in " + (minInclusive ? "[" : "(") + format(min) + ", " + format(max) + (maxInclusive ? "]" : ")");
    }

    private static String format(double x) {
      return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }
  }

  /** Null for a missing or null value. */
  private static ConfigValue present(ConfigValue v) {
    return v == null || v.valueType() == ConfigValueType.NULL ? null : v;
  }

  /** A string; numbers and booleans count as their text (as in HOCON). Null where null is allowed. */
  private String string(ConfigValue v, String path, boolean nullable) {
    String expected = nullable ? "a non-blank string or null" : "a non-blank string";
    if (v != null && v.valueType() == ConfigValueType.NULL && nullable) {
      return null;
    }
    if (v != null) {
      switch (v.valueType()) {
        case STRING:
          String s = (String) v.unwrapped();
          if (!s.isBlank()) {
            return s;
          }
          break;
        case NUMBER:
        case BOOLEAN:
          return v.render();
        default:
          break;
      }
    }
    problems.add(path + " must be " + expected + ", got " + describe(v));
    return null;
  }

  /** An integer in [min, max]; strings holding one count (as in HOCON). Null (and a problem) otherwise. */
  private Long integer(ConfigValue v, String path, long min, long max) {
    String bound = min == Long.MIN_VALUE ? "" : " >= " + min;
    Number n = numeric(v);
    Long x = null;
    if (n instanceof Long || n instanceof Integer) {
      x = n.longValue();
    } else if (n != null && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 0x1p53) {
      x = n.longValue();
    } else if (n != null && n.doubleValue() == Math.rint(n.doubleValue())) {
      problems.add(path + " must be " + (max == Integer.MAX_VALUE ? "<= " + max : "a 64-bit integer")
          + ", cannot be: " + text(v));
      return null;
    }
    if (x == null) {
      problems.add(path + " must be an integer" + bound + ", got " + describe(v));
      return null;
    }
    if (x < min) {
      problems.add(path + " must be" + bound + ", cannot be: " + text(v));
      return null;
    }
    if (x > max) {
      problems.add(path + " must be <= " + max + ", cannot be: " + text(v));
      return null;
    }
    return x;
  }

  /** A number in {@code range}; null where {@code nullable} and the value is null. */
  private Double number(ConfigValue v, String path, Range range, boolean nullable) {
    if (nullable && v != null && v.valueType() == ConfigValueType.NULL) {
      return null;
    }
    Number n = numeric(v);
    if (n == null || !Double.isFinite(n.doubleValue())) {
      problems.add(path + " must be a number " + range + (nullable ? " or null" : "") + ", got " + describe(v));
      return null;
    }
    double x = n.doubleValue();
    if (!range.contains(x)) {
      problems.add(path + " must be " + range + (nullable ? " or null" : "") + ", cannot be: " + text(v));
      return null;
    }
    return x;
  }

  /** A list of integers >= 1 ({@code allowEmpty} or not); null (and problems) otherwise. */
  private List<Integer> intList(ConfigValue v, String path, boolean allowEmpty) {
    String expected = (allowEmpty ? "a list" : "a non-empty list") + " of integers >= 1";
    if (v == null || v.valueType() != ConfigValueType.LIST) {
      problems.add(path + " must be " + expected + ", got " + describe(v));
      return null;
    }
    ConfigList list = (ConfigList) v;
    if (list.isEmpty() && !allowEmpty) {
      problems.add(path + " must be " + expected + ", got []");
      return null;
    }
    int before = problems.size();
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Long x = integer(list.get(i), path + "[" + i + "]", 1, Integer.MAX_VALUE);
      if (x != null) {
        out.add(x.intValue());
      }
    }
    return problems.size() > before ? null : out;
  }

  /** The number a NUMBER value holds or a STRING value spells; null otherwise. */
  private static Number numeric(ConfigValue v) {
    if (v == null) {
      return null;
    }
    if (v.valueType() == ConfigValueType.NUMBER) {
      return (Number) v.unwrapped();
    }
    if (v.valueType() == ConfigValueType.STRING) {
      String s = ((String) v.unwrapped()).trim();
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        // not an integer
      }
      try {
        if (s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
          return Double.parseDouble(s);
        }
      } catch (NumberFormatException e) {
        // not a number
      }
    }
    return null;
  }

  /** The value as written: a string's text, or the HOCON rendering of anything else. */
  private static String text(ConfigValue v) {
    if (v == null) {
      return "nothing";
    }
    String s = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped()
        : v.render(ConfigRenderOptions.concise());
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }

  /** The type and text of a value, as in {@code STRING 'three'}. */
  private static String describe(ConfigValue v) {
    if (v == null) {
      return "nothing (the key is missing)";
    }
    if (v.valueType() == ConfigValueType.NULL) {
      return "NULL";
    }
    return v.valueType() + " '" + text(v) + "'";
  }
}
