package io.distill.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.Set;

/**
 * A value typed on a command line ({@code --set key=VALUE}, a sub-command's {@code --epochs
 * VALUE}), read one way everywhere: as HOCON ({@code 5}, {@code [800, 800]}, {@code {name=a}},
 * {@code "quoted"}), or as the plain string where it is not HOCON or where HOCON would change it
 * ({@code s3a://b/r} and {@code a//b.json}, whose {@code //} HOCON reads as a comment; {@code x #
 * y}). A value that looks structured (a list, object, quoted string or substitution) must be valid
 * HOCON.
 */
public final class HoconValue {
  private HoconValue() {}

  /**
   * The value; null (with a problem added) when a structured value is not valid HOCON.
   *
   * @param what names the value in messages and in HOCON's own, e.g. {@code --set
   *     'students.epochs=5'}
   */
  public static ConfigValue parse(String value, String what, List<String> problems) {
    String trimmed = value.trim();
    ConfigValue parsed = null;
    boolean resolved = true;
    String error = null;
    try {
      Config c =
          ConfigFactory.parseString(
              "v = " + value, ConfigParseOptions.defaults().setOriginDescription(what));
      if (c.root().keySet().equals(Set.of("v"))) {
        parsed = c.root().get("v");
        resolved = c.isResolved();
      } else {
        error = "more than one value";
      }
    } catch (ConfigException e) {
      error = e.getMessage();
    }
    boolean structured =
        trimmed.startsWith("[")
            || trimmed.startsWith("{")
            || trimmed.startsWith("\"")
            || trimmed.startsWith("${");
    if (structured) {
      if (parsed == null) {
        problems.add(what + ": the value is not valid HOCON: " + error);
      }
      return parsed;
    }
    if (parsed == null
        || (resolved
            && parsed.valueType() == ConfigValueType.STRING
            && !parsed.unwrapped().equals(trimmed))) {
      return ConfigValueFactory.fromAnyRef(trimmed, what);
    }
    return parsed;
  }
}
