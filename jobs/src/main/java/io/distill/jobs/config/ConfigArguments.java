package io.distill.jobs.config;

import com.typesafe.config.ConfigUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The run-configuration part of the command line, {@code [--config FILE] [--set key=value]... [--stages a,b,c]},
 * parsed into a config file and an ordered list of overrides for {@link RunConfig#load}.
 *
 * <p>{@code --stages a,b} is shorthand for {@code --set stages=["a","b"]}. Each flag takes its value as the next
 * argument or after {@code =} ({@code --set=students.epochs=5}); {@code --set} and {@code --stages} may repeat
 * (later ones win), {@code --config} may not. Unknown flags, stray arguments and missing values are refused
 * with a {@link RunConfigException} naming them (all of them, one per line). The overrides themselves are
 * checked by {@link RunConfig#load}.
 *
 * @param configFile the {@code --config} file, or null
 * @param overrides the {@code --set} and {@code --stages} overrides as {@code key=value}, in command-line order
 */
public record ConfigArguments(String configFile, List<String> overrides) {
  /** The flags accepted, with their value's shape, as shown in messages. */
  public static final String USAGE = "--config FILE, --set key=value, --stages a,b,c";

  public ConfigArguments {
    overrides = List.copyOf(overrides);
  }

  /** Parses {@code args} (not null; elements not null). */
  public static ConfigArguments parse(List<String> args) {
    Objects.requireNonNull(args, "args");
    List<String> problems = new ArrayList<>();
    String configFile = null;
    List<String> overrides = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-")) {
        problems.add("unexpected argument '" + arg + "' (accepted: " + USAGE + ")");
        continue;
      }
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (eq >= 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!List.of("--config", "--set", "--stages").contains(flag)) {
        problems.add("unknown option '" + flag + "' (accepted: " + USAGE + ")");
        if (value == null && i + 1 < args.size() && !args.get(i + 1).startsWith("-")) {
          i++; // most likely its value
        }
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
          problems.add(flag + " needs a value (" + shape(flag) + ")");
          continue;
        }
        value = args.get(++i);
      }
      switch (flag) {
        case "--config" -> {
          if (configFile != null) {
            problems.add("--config given twice ('" + configFile + "' and '" + value + "')");
          } else {
            configFile = value;
          }
        }
        case "--set" -> overrides.add(value);
        default -> {
          String stages = stages(value);
          if (stages == null) {
            problems.add("--stages expects a comma-separated list of stage names (" + String.join(",",
                RunConfig.STAGES) + "), got '" + value + "'");
          } else {
            overrides.add(stages);
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new RunConfigException(problems);
    }
    return new ConfigArguments(configFile, overrides);
  }

  /** Parses {@code args}. */
  public static ConfigArguments parse(String... args) {
    return parse(List.of(args));
  }

  /** {@link RunConfig#load}{@code (configFile, overrides)}. */
  public RunConfig load() {
    return RunConfig.load(configFile, overrides);
  }

  /** {@code stages=["a","b"]} for {@code a,b}; null if any name is blank. */
  private static String stages(String value) {
    List<String> quoted = new ArrayList<>();
    for (String s : value.split(",", -1)) {
      if (s.isBlank()) {
        return null;
      }
      quoted.add(ConfigUtil.quoteString(s.trim()));
    }
    return "stages=[" + String.join(", ", quoted) + "]";
  }

  private static String shape(String flag) {
    return switch (flag) {
      case "--config" -> "a HOCON file";
      case "--set" -> "key=value";
      default -> "a,b,c";
    };
  }
}
