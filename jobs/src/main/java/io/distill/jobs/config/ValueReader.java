package io.distill.jobs.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reading HOCON values with the checks and messages every parameter type shares: "distill.x must be
 * an integer >= 1, got STRING 'three'" (wrong type: what was expected, the type and text got) and
 * "distill.x must be >= 1, cannot be: 0" (out of range: the range and the value).
 */
final class ValueReader {
  private ValueReader() {}

  /** A numeric range with optional bounds, and its wording in messages. */
  record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {
    static final Range POSITIVE = new Range(0, false, Double.POSITIVE_INFINITY, false);
    static final Range NON_NEGATIVE = new Range(0, true, Double.POSITIVE_INFINITY, false);
    static final Range RETAIN = new Range(0, false, 1, true);
    static final Range UNIT = new Range(0, true, 1, true);
    static final Range MOMENTUM = new Range(0, true, 1, false);
    static final Range ANY = new Range(-Double.MAX_VALUE, true, Double.MAX_VALUE, true);
    static final Range OPEN_UNIT = new Range(0, false, 1, false);
    static final Range UNIT_POINTS = new Range(0, true, 100, true);
    static final Range SHARE = new Range(0, false, 1, true);
    static final Range ABOVE_ONE = new Range(1, false, Double.POSITIVE_INFINITY, false);

    boolean contains(double x) {
      return (minInclusive ? x >= min : x > min) && (maxInclusive ? x <= max : x < max);
    }

    @Override
    public String toString() {
      if (max == Double.POSITIVE_INFINITY) {
        return (minInclusive ? ">= " : "> ") + format(min);
      }
      return "in "
          + (minInclusive ? "[" : "(")
          + format(min)
          + ", "
          + format(max)
          + (maxInclusive ? "]" : ")");
    }

    private static String format(double x) {
      return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }
  }

  /** Null for a missing or null value. */
  static ConfigValue present(ConfigValue v) {
    return v == null || v.valueType() == ConfigValueType.NULL ? null : v;
  }

  /**
   * A string; numbers and booleans count as their text (as in HOCON). Null where null is allowed.
   */
  static String string(ConfigValue v, String path, boolean nullable, List<String> problems) {
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

  /**
   * An integer in [min, max]; strings holding one count (as in HOCON). Null (and a problem)
   * otherwise.
   */
  static Long integer(ConfigValue v, String path, long min, long max, List<String> problems) {
    String bound = min == Long.MIN_VALUE ? "" : " >= " + min;
    Number n = numeric(v);
    Long x = null;
    if (n instanceof Long || n instanceof Integer) {
      x = n.longValue();
    } else if (n != null
        && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) < 0x1p53) {
      x = n.longValue();
    } else if (n != null && n.doubleValue() == Math.rint(n.doubleValue())) {
      problems.add(
          path
              + " must be "
              + (max == Integer.MAX_VALUE ? "<= " + max : "a 64-bit integer")
              + ", cannot be: "
              + text(v));
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
  static Double number(
      ConfigValue v, String path, Range range, boolean nullable, List<String> problems) {
    if (nullable && v != null && v.valueType() == ConfigValueType.NULL) {
      return null;
    }
    Number n = numeric(v);
    if (n == null || !Double.isFinite(n.doubleValue())) {
      problems.add(
          path
              + " must be a number "
              + range
              + (nullable ? " or null" : "")
              + ", got "
              + describe(v));
      return null;
    }
    double x = n.doubleValue();
    if (!range.contains(x)) {
      problems.add(
          path + " must be " + range + (nullable ? " or null" : "") + ", cannot be: " + text(v));
      return null;
    }
    return x;
  }

  /** A list of integers >= 1 ({@code allowEmpty} or not); null (and problems) otherwise. */
  static List<Integer> intList(
      ConfigValue v, String path, boolean allowEmpty, List<String> problems) {
    return intList(v, path, allowEmpty, 1, Integer.MAX_VALUE, problems);
  }

  /** A list of integers in [{@code min}, {@code max}], non-empty unless {@code allowEmpty}. */
  static List<Integer> intList(
      ConfigValue v, String path, boolean allowEmpty, int min, int max, List<String> problems) {
    String expected =
        (allowEmpty ? "a list" : "a non-empty list")
            + " of integers "
            + (max == Integer.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]");
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
      Long x = integer(list.get(i), path + "[" + i + "]", min, max, problems);
      if (x != null) {
        out.add(x.intValue());
      }
    }
    return problems.size() > before ? null : out;
  }

  /** A non-empty list of numbers, each in {@code range}. */
  static List<Double> numberList(ConfigValue v, String path, Range range, List<String> problems) {
    if (v == null || v.valueType() != ConfigValueType.LIST || ((ConfigList) v).isEmpty()) {
      problems.add(path + " must be a non-empty list of numbers " + range + ", got " + describe(v));
      return null;
    }
    ConfigList list = (ConfigList) v;
    int before = problems.size();
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Double x = number(list.get(i), path + "[" + i + "]", range, false, problems);
      if (x != null) {
        out.add(x);
      }
    }
    return problems.size() > before ? null : out;
  }

  /** The number a NUMBER value holds or a STRING value spells; null otherwise. */
  static Number numeric(ConfigValue v) {
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
      if (s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
        return Double.parseDouble(s);
      }
    }
    return null;
  }

  /** The value as written: a string's text, or the HOCON rendering of anything else. */
  static String text(ConfigValue v) {
    if (v == null) {
      return "nothing";
    }
    String s =
        v.valueType() == ConfigValueType.STRING
            ? (String) v.unwrapped()
            : v.render(ConfigRenderOptions.concise());
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }

  /** The type and text of a value, as in {@code STRING 'three'}. */
  static String describe(ConfigValue v) {
    if (v == null) {
      return "nothing (the key is missing)";
    }
    if (v.valueType() == ConfigValueType.NULL) {
      return "NULL";
    }
    return v.valueType() + " '" + text(v) + "'";
  }

  /**
   * Plain data (String, Number, List, Map, null) on one line as HOCON: {@code [1200, 1200]}, {@code
   * { a = 1 }}.
   */
  static String hocon(Object plain) {
    if (plain instanceof String s) {
      return ConfigUtil.quoteString(s);
    }
    if (plain instanceof List<?> l) {
      List<String> items = new ArrayList<>();
      l.forEach(x -> items.add(hocon(x)));
      return "[" + String.join(", ", items) + "]";
    }
    if (plain instanceof Map<?, ?> m) {
      List<String> items = new ArrayList<>();
      m.forEach((k, x) -> items.add(k + " = " + hocon(x)));
      return "{ " + String.join(", ", items) + " }";
    }
    return String.valueOf(plain);
  }
}
