package io.distill.jobs.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.distill.jobs.config.ValueReader.Range;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The {@link ParamType}s of the run configuration. */
final class ParamTypes {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  private ParamTypes() {}

  static ParamType<Integer> integer(int min, int max) {
    return new ParamType<>() {
      @Override
      public Integer read(ConfigValue v, String path, List<String> problems) {
        Long x = ValueReader.integer(v, path, min, max, problems);
        return x == null ? null : x.intValue();
      }

      @Override
      public Object plain(Integer value) {
        return value;
      }

      @Override
      public String describe() {
        return "Integer "
            + (max == Integer.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]");
      }
    };
  }

  static ParamType<Long> longInteger(long min) {
    return new ParamType<>() {
      @Override
      public Long read(ConfigValue v, String path, List<String> problems) {
        return ValueReader.integer(v, path, min, Long.MAX_VALUE, problems);
      }

      @Override
      public Object plain(Long value) {
        return value;
      }

      @Override
      public String describe() {
        return min == Long.MIN_VALUE ? "Integer (64-bit)" : "Integer >= " + min + " (64-bit)";
      }
    };
  }

  static ParamType<Double> number(Range range, boolean nullable) {
    return new ParamType<>() {
      @Override
      public Double read(ConfigValue v, String path, List<String> problems) {
        return ValueReader.number(v, path, range, nullable, problems);
      }

      @Override
      public Object plain(Double value) {
        return value;
      }

      @Override
      public String describe() {
        return "Number " + range + (nullable ? " or null" : "");
      }

      @Override
      public boolean nullable() {
        return nullable;
      }
    };
  }

  static ParamType<String> string(boolean nullable, String what) {
    return new ParamType<>() {
      @Override
      public String read(ConfigValue v, String path, List<String> problems) {
        return ValueReader.string(v, path, nullable, problems);
      }

      @Override
      public Object plain(String value) {
        return value;
      }

      @Override
      public String describe() {
        return what + (nullable ? " or null" : "");
      }

      @Override
      public boolean nullable() {
        return nullable;
      }
    };
  }

  /** A non-empty list of booleans. */
  static ParamType<List<Boolean>> booleans() {
    return new ParamType<>() {
      @Override
      public List<Boolean> read(ConfigValue v, String path, List<String> problems) {
        if (v == null || v.valueType() != ConfigValueType.LIST || ((ConfigList) v).isEmpty()) {
          problems.add(
              path + " must be a non-empty list of true/false, got " + ValueReader.describe(v));
          return null;
        }
        List<Boolean> out = new ArrayList<>();
        ConfigList list = (ConfigList) v;
        for (int i = 0; i < list.size(); i++) {
          ConfigValue e = list.get(i);
          if (e.valueType() != ConfigValueType.BOOLEAN) {
            problems.add(
                path + "[" + i + "] must be true or false, got " + ValueReader.describe(e));
            return null;
          }
          out.add((Boolean) e.unwrapped());
        }
        return List.copyOf(out);
      }

      @Override
      public Object plain(List<Boolean> value) {
        return value;
      }

      @Override
      public String describe() {
        return "List of true/false (at least one)";
      }
    };
  }

  /** One of {@code values}, as a string. */
  static ParamType<String> choice(List<String> values) {
    return new ParamType<>() {
      @Override
      public String read(ConfigValue v, String path, List<String> problems) {
        int before = problems.size();
        String s = ValueReader.string(v, path, false, problems);
        if (s != null && !values.contains(s)) {
          problems.add(
              path
                  + " must be one of "
                  + String.join(", ", values)
                  + ", got "
                  + ValueReader.describe(v));
          return null;
        }
        return problems.size() == before ? s : null;
      }

      @Override
      public Object plain(String value) {
        return value;
      }

      @Override
      public String describe() {
        return "One of " + String.join(", ", values);
      }
    };
  }

  static ParamType<List<Integer>> widths(boolean allowEmpty) {
    return widths(allowEmpty, false);
  }

  /**
   * A list of integers >= 1 (non-empty unless {@code allowEmpty}), or null when {@code nullable}.
   */
  static ParamType<List<Integer>> widths(boolean allowEmpty, boolean nullable) {
    return integers(1, Integer.MAX_VALUE, allowEmpty, nullable);
  }

  /** A non-empty list of integers in [{@code min}, {@code max}]. */
  static ParamType<List<Integer>> integers(int min, int max) {
    return integers(min, max, false, false);
  }

  private static ParamType<List<Integer>> integers(
      int min, int max, boolean allowEmpty, boolean nullable) {
    return new ParamType<>() {
      @Override
      public List<Integer> read(ConfigValue v, String path, List<String> problems) {
        if (nullable && ValueReader.present(v) == null) {
          return null;
        }
        List<Integer> out = ValueReader.intList(v, path, allowEmpty, min, max, problems);
        return out == null ? null : List.copyOf(out);
      }

      @Override
      public Object plain(List<Integer> value) {
        return value;
      }

      @Override
      public String describe() {
        return "List of integers "
            + (max == Integer.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]")
            + (allowEmpty ? "" : ", at least one")
            + (nullable ? ", or null" : "");
      }

      @Override
      public boolean nullable() {
        return nullable;
      }
    };
  }

  /** A non-empty list of numbers in {@code range}. */
  static ParamType<List<Double>> numbers(Range range) {
    return new ParamType<>() {
      @Override
      public List<Double> read(ConfigValue v, String path, List<String> problems) {
        List<Double> out = ValueReader.numberList(v, path, range, problems);
        return out == null ? null : List.copyOf(out);
      }

      @Override
      public Object plain(List<Double> value) {
        return value;
      }

      @Override
      public String describe() {
        return "List of numbers " + (range.equals(Range.ANY) ? "" : range + " ") + "(at least one)";
      }
    };
  }

  /**
   * The stages to run: a non-empty list of names from {@code names}, no repeats, returned in
   * pipeline order.
   */
  static ParamType<List<String>> stages(List<String> names) {
    return new ParamType<>() {
      @Override
      public List<String> read(ConfigValue v, String path, List<String> problems) {
        String all = String.join(", ", names);
        if (v == null || v.valueType() != ConfigValueType.LIST) {
          problems.add(
              path
                  + " must be a list of stage names ("
                  + all
                  + "), got "
                  + ValueReader.describe(v));
          return null;
        }
        ConfigList list = (ConfigList) v;
        if (list.isEmpty()) {
          problems.add(path + " must list at least one stage (" + all + "), got []");
          return null;
        }
        Map<String, Integer> seen = new HashMap<>();
        int before = problems.size();
        for (int i = 0; i < list.size(); i++) {
          String at = path + "[" + i + "]";
          String stage = ValueReader.string(list.get(i), at, false, problems);
          if (stage == null) {
            continue;
          }
          if (!names.contains(stage)) {
            String near = Keys.nearest(stage, names);
            problems.add(
                at
                    + " must be one of "
                    + all
                    + ", cannot be: '"
                    + stage
                    + "'"
                    + (near == null ? "" : " (did you mean '" + near + "'?)"));
          } else {
            Integer first = seen.putIfAbsent(stage, i);
            if (first != null) {
              problems.add(
                  at
                      + " must not repeat a stage, cannot be: '"
                      + stage
                      + "' (already "
                      + path
                      + "["
                      + first
                      + "])");
            }
          }
        }
        return problems.size() > before ? null : names.stream().filter(seen::containsKey).toList();
      }

      @Override
      public Object plain(List<String> value) {
        return value;
      }

      @Override
      public String describe() {
        return "List of stage names, at least one, no repeats";
      }
    };
  }

  /** The keys of one {@code students.sizes} object, in order. */
  static final List<String> SIZE_KEYS =
      List.of(
          "name",
          "hidden",
          "dl4j-json",
          "width",
          "temperature",
          "alpha",
          "seed",
          "standardise",
          "dkd-beta",
          "learning-rate",
          "lr-decay",
          "baseline-learning-rate",
          "baseline-lr-decay",
          "baseline-seed");

  /**
   * The student sizes: a non-empty list of objects with unique names and exactly one of hidden /
   * dl4j-json.
   */
  static ParamType<List<StudentSize>> sizes() {
    return new ParamType<>() {
      @Override
      public List<StudentSize> read(ConfigValue v, String path, List<String> problems) {
        String expected =
            "a non-empty list of student sizes ({name=..., hidden=[...]} or {name=..., dl4j-json=...})";
        if (v == null || v.valueType() != ConfigValueType.LIST) {
          problems.add(path + " must be " + expected + ", got " + ValueReader.describe(v));
          return null;
        }
        ConfigList list = (ConfigList) v;
        if (list.isEmpty()) {
          problems.add(path + " must be " + expected + ", got []");
          return null;
        }
        int before = problems.size();
        List<StudentSize> sizes = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
          StudentSize s = size(list.get(i), path, i, names, problems);
          if (s != null) {
            sizes.add(s);
          }
        }
        return problems.size() > before ? null : List.copyOf(sizes);
      }

      @Override
      public Object plain(List<StudentSize> value) {
        List<Object> out = new ArrayList<>();
        for (StudentSize s : value) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("name", s.name());
          if (s.mlp()) {
            m.put("hidden", s.hidden());
          } else {
            m.put("dl4j-json", s.dl4jJson());
            if (s.width() != null) {
              m.put("width", s.width());
            }
          }
          // the optional settings, in SIZE_KEYS order, where the size has them
          Object[] optional = {
            s.temperature(),
            s.alpha(),
            s.seed(),
            s.standardise(),
            s.dkdBeta(),
            s.learningRate(),
            s.lrDecay(),
            s.baselineLearningRate(),
            s.baselineLrDecay(),
            s.baselineSeed()
          };
          for (int k = 0; k < optional.length; k++) {
            if (optional[k] != null) {
              m.put(SIZE_KEYS.get(SIZE_KEYS.indexOf("temperature") + k), optional[k]);
            }
          }
          out.add(m);
        }
        return out;
      }

      @Override
      public String describe() {
        return "List of student size objects, at least one";
      }
    };
  }

  private static StudentSize size(
      ConfigValue value, String path, int i, Map<String, Integer> names, List<String> problems) {
    String at = path + "[" + i + "]";
    if (value == null || value.valueType() != ConfigValueType.OBJECT) {
      problems.add(
          at
              + " must be a student size object {name=..., hidden=[...] or dl4j-json=...}, got "
              + ValueReader.describe(value));
      return null;
    }
    ConfigObject o = (ConfigObject) value;
    int before = problems.size();
    Keys.checkUnknown(o, at, SIZE_KEYS, Keys.SIZES_PATH, problems);
    String name = ValueReader.string(o.get("name"), at + ".name", false, problems);
    if (name != null) {
      if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
        problems.add(
            at
                + ".name must match [A-Za-z0-9_.-]+ (and not be . or ..), cannot be: '"
                + name
                + "'");
      } else {
        Integer first = names.putIfAbsent(name, i);
        if (first != null) {
          problems.add(
              at
                  + ".name must be unique, cannot be: '"
                  + name
                  + "' ("
                  + path
                  + "["
                  + first
                  + "].name is '"
                  + name
                  + "' too)");
        }
      }
    }
    ConfigValue hiddenValue = ValueReader.present(o.get("hidden"));
    ConfigValue jsonValue = ValueReader.present(o.get("dl4j-json"));
    List<Integer> hidden = null;
    String json = null;
    if ((hiddenValue == null) == (jsonValue == null)) {
      problems.add(
          at
              + " must have exactly one of hidden (a list of widths: an MLP) or dl4j-json (a DL4J"
              + " MultiLayerConfiguration JSON), got "
              + (hiddenValue == null ? "neither" : "both"));
    } else if (hiddenValue != null) {
      hidden = ValueReader.intList(hiddenValue, at + ".hidden", true, problems);
    } else {
      json = ValueReader.string(jsonValue, at + ".dl4j-json", false, problems);
    }
    Double width = optionalNumber(o, "width", Range.POSITIVE, at, problems);
    if (width != null && hiddenValue != null) {
      problems.add(
          at
              + ".width is the width factor of a dl4j-json size; an MLP's widths are its hidden list,"
              + " cannot be: "
              + width);
    }
    Double temperature = optionalNumber(o, "temperature", Range.POSITIVE, at, problems);
    Double alpha = optionalNumber(o, "alpha", Range.UNIT, at, problems);
    Long seed = optionalSeed(o, "seed", at, problems);
    ConfigValue z = ValueReader.present(o.get("standardise"));
    Boolean standardise = null;
    if (z != null) {
      if (z.valueType() == ConfigValueType.BOOLEAN) {
        standardise = (Boolean) z.unwrapped();
      } else {
        problems.add(at + ".standardise must be true or false, got " + ValueReader.describe(z));
      }
    }
    Double dkdBeta = optionalNumber(o, "dkd-beta", Range.NON_NEGATIVE, at, problems);
    Double rate = optionalNumber(o, "learning-rate", Range.POSITIVE, at, problems);
    Double decay = optionalNumber(o, "lr-decay", Range.RETAIN, at, problems);
    Double baselineRate = optionalNumber(o, "baseline-learning-rate", Range.POSITIVE, at, problems);
    Double baselineDecay = optionalNumber(o, "baseline-lr-decay", Range.RETAIN, at, problems);
    Long baselineSeed = optionalSeed(o, "baseline-seed", at, problems);
    return problems.size() > before
        ? null
        : new StudentSize(
            name,
            hidden,
            json,
            width,
            temperature,
            alpha,
            seed,
            standardise,
            dkdBeta,
            rate,
            decay,
            baselineRate,
            baselineDecay,
            baselineSeed);
  }

  private static Double optionalNumber(
      ConfigObject o, String key, Range range, String at, List<String> problems) {
    ConfigValue v = ValueReader.present(o.get(key));
    return v == null ? null : ValueReader.number(v, at + "." + key, range, false, problems);
  }

  private static Long optionalSeed(ConfigObject o, String key, String at, List<String> problems) {
    ConfigValue v = ValueReader.present(o.get(key));
    return v == null
        ? null
        : ValueReader.integer(v, at + "." + key, Long.MIN_VALUE, Long.MAX_VALUE, problems);
  }
}
