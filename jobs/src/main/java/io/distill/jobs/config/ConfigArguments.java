package io.distill.jobs.config;

import com.typesafe.config.ConfigUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * The run-configuration part of a command line: a config file and an ordered list of {@code
 * key=value} overrides for {@link RunConfig#load}.
 *
 * @param configFile the {@code --config} file, or null
 * @param overrides the {@code --set} and {@code --stages} overrides as {@code key=value}, in
 *     command-line order
 */
public record ConfigArguments(String configFile, List<String> overrides) {
  public ConfigArguments {
    overrides = List.copyOf(overrides);
  }

  /** {@link RunConfig#load}{@code (configFile, overrides)}. */
  public RunConfig load() {
    return RunConfig.load(configFile, overrides);
  }

  /** {@code stages=["a", "b"]} for {@code a,b}; null if any name is blank. */
  public static String stages(String value) {
    List<String> quoted = new ArrayList<>();
    for (String s : value.split(",", -1)) {
      if (s.isBlank()) {
        return null;
      }
      quoted.add(ConfigUtil.quoteString(s.trim()));
    }
    return "stages=[" + String.join(", ", quoted) + "]";
  }
}
