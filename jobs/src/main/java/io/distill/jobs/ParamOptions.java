package io.distill.jobs;

import com.typesafe.config.ConfigValue;
import io.distill.jobs.config.HoconValue;
import io.distill.jobs.config.Param;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Command-line options of the sub-commands that are configuration parameters too ({@code
 * train-teacher --epochs} is {@code teacher.epochs}): each option is made from its {@link Param},
 * so it has the parameter's documentation, default and range, and its value is checked by the
 * parameter's type with the configuration's messages ("train-teacher: --epochs must be an integer
 * >= 1, got STRING 'ten'").
 */
final class ParamOptions {
  private final Map<String, Param<?>> options = new LinkedHashMap<>();

  /** Declares {@code --name} as the option for {@code param}. */
  ParamOptions add(String name, Param<?> param) {
    options.put(name, param);
    return this;
  }

  /**
   * Adds the declared options to a command's picocli spec (called once, when the command line is
   * built).
   */
  void addTo(CommandSpec spec) {
    for (Map.Entry<String, Param<?>> e : options.entrySet()) {
      Param<?> p = e.getValue();
      spec.addOption(
          OptionSpec.builder(e.getKey())
              .paramLabel(label(p))
              .type(String.class)
              .description(p.help() + " (run configuration key " + p.key() + ")")
              .build());
    }
  }

  /** The option's value, checked; its parameter's default when not given. */
  <T> T get(CommandSpec spec, String name, Param<T> param) {
    OptionSpec option = spec.findOption(name);
    String raw = option == null ? null : option.getValue();
    if (raw == null) {
      return param.defaultValue();
    }
    List<String> problems = new ArrayList<>();
    ConfigValue parsed = HoconValue.parse(raw, spec.name() + " " + name, problems);
    T value = parsed == null ? null : param.type().read(parsed, name, problems);
    if (!problems.isEmpty()) {
      throw new UsageException(spec.name() + ": " + problems.get(0));
    }
    return value;
  }

  private static String label(Param<?> p) {
    String type = p.type().describe();
    return type.startsWith("Integer")
        ? "N"
        : type.startsWith("Number") ? "X" : type.startsWith("List") ? "LIST" : "VALUE";
  }
}
