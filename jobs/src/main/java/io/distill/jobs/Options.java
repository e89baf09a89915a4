package io.distill.jobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} options of one sub-command, checked against the names it accepts before any Spark work.
 */
final class Options {
  private final String command;
  private final Map<String, String> values;

  private Options(String command, Map<String, String> values) {
    this.command = command;
    this.values = values;
  }

  static Options parse(String command, List<String> args, Set<String> accepted) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--")) {
        throw new UsageException(command + ": unexpected argument '" + arg + "' (options are --name value)");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new UsageException(command + ": option --" + name + " needs a value");
      }
      if (!accepted.contains(name)) {
        throw new UsageException(command + ": unknown option --" + name + " (accepted: --"
            + String.join(", --", accepted) + ")");
      }
      if (values.put(name, value) != null) {
        throw new UsageException(command + ": option --" + name + " given twice");
      }
    }
    return new Options(command, values);
  }

  String get(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  String required(String name) {
    String value = values.get(name);
    if (value == null || value.isBlank()) {
      throw new UsageException(command + ": --" + name + " is required");
    }
    return value;
  }

  /** A number above {@code min} (or equal to it when {@code minInclusive}), finite. */
  double getDouble(String name, double defaultValue, double min, boolean minInclusive) {
    String raw = values.get(name);
    if (raw == null) {
      return defaultValue;
    }
    double value;
    try {
      value = Double.parseDouble(raw.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(command + ": --" + name + " must be a number, got '" + raw + "'");
    }
    if (!Double.isFinite(value) || value < min || (!minInclusive && value == min)) {
      throw new UsageException(command + ": --" + name + " must be " + (minInclusive ? "at least " : "above ")
          + min + ", cannot be: " + raw);
    }
    return value;
  }

  int getInt(String name, int defaultValue, int min) {
    String raw = values.get(name);
    if (raw == null) {
      return defaultValue;
    }
    int value;
    try {
      value = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(command + ": --" + name + " must be an integer, got '" + raw + "'");
    }
    if (value < min) {
      throw new UsageException(command + ": --" + name + " must be at least " + min + ", cannot be: " + value);
    }
    return value;
  }
}
