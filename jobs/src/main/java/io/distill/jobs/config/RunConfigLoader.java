package io.distill.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Reads, merges and checks a {@link RunConfig} against {@link Params}, collecting every problem
 * (one load each).
 */
final class RunConfigLoader {
  private final List<String> problems = new ArrayList<>();

  /** The declared defaults as the lowest HOCON layer, so that substitutions can refer to them. */
  private static final class Defaults {
    static final Config CONFIG =
        ConfigFactory.parseString(
            DefaultsFile.render(),
            ConfigParseOptions.defaults().setOriginDescription("the defaults"));
  }

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

  // ---------------------------------------------------------------- sources

  private Config parseFile(String file) {
    if (file.isBlank()) {
      problems.add("cannot read config file '" + file + "': the name is blank");
      return null;
    }
    if (HADOOP_URI.matcher(file).matches() && !file.startsWith("file:")) {
      return parseHadoopFile(file);
    }
    Path path;
    try {
      path = file.startsWith("file:") ? Paths.get(URI.create(file)) : Paths.get(file);
    } catch (RuntimeException e) {
      problems.add(
          "cannot read config file '" + file + "': not a valid path (" + e.getMessage() + ")");
      return null;
    }
    String why =
        !Files.exists(path)
            ? "no such file"
            : Files.isDirectory(path)
                ? "it is a directory"
                : !Files.isReadable(path) ? "permission denied" : null;
    if (why != null) {
      problems.add("cannot read config file '" + file + "': " + why);
      return null;
    }
    try {
      return ConfigFactory.parseFile(
          path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException.Parse e) {
      problems.add("config file '" + file + "' is not valid HOCON: " + e.getMessage());
      return null;
    } catch (ConfigException e) {
      problems.add("cannot read config file '" + file + "': " + e.getMessage());
      return null;
    }
  }

  /** A URI with a scheme of two or more letters (not a Windows drive): read through Hadoop. */
  private static final Pattern HADOOP_URI = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*");

  /** Bytes read of a configuration file at most: a run configuration is a few kilobytes. */
  private static final int MAX_CONFIG_BYTES = 1 << 20;

  /**
   * A configuration on any Hadoop FS URI (hdfs://, s3a://, ...), read with the Hadoop settings the
   * driver was given ({@code spark.hadoop.*} system properties, as spark-submit sets them, over the
   * site files).
   */
  private Config parseHadoopFile(String file) {
    Configuration conf = new Configuration();
    System.getProperties()
        .forEach(
            (k, v) -> {
              String key = String.valueOf(k);
              if (key.startsWith("spark.hadoop.")) {
                conf.set(key.substring("spark.hadoop.".length()), String.valueOf(v));
              }
            });
    String text;
    try {
      org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        problems.add("cannot read config file '" + file + "': no such file");
        return null;
      }
      if (fs.getFileStatus(path).isDirectory()) {
        problems.add("cannot read config file '" + file + "': it is a directory");
        return null;
      }
      try (InputStream in = fs.open(path)) {
        byte[] bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
        if (bytes.length > MAX_CONFIG_BYTES) {
          problems.add(
              "cannot read config file '" + file + "': larger than " + MAX_CONFIG_BYTES + " bytes");
          return null;
        }
        text = new String(bytes, StandardCharsets.UTF_8);
      }
    } catch (IOException | RuntimeException e) {
      problems.add("cannot read config file '" + file + "': " + e.getMessage());
      return null;
    }
    try {
      return ConfigFactory.parseString(
          text, ConfigParseOptions.defaults().setOriginDescription(file));
    } catch (ConfigException.Parse e) {
      problems.add("config file '" + file + "' is not valid HOCON: " + e.getMessage());
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
      problems.add(
          "--set expects key=value with a key such as students.epochs, got key '"
              + key
              + "' in '"
              + raw
              + "'");
      return null;
    }
    if (path.get(0).equals(RunConfig.ROOT)) {
      path.remove(0);
    }
    path.add(0, RunConfig.ROOT);
    ConfigValue parsed = HoconValue.parse(value, "--set '" + raw + "'", problems);
    if (parsed == null) {
      return null;
    }
    return ConfigFactory.empty().withValue(ConfigUtil.joinPath(path), parsed);
  }

  // ---------------------------------------------------------------- the schema

  private RunConfig read(ConfigObject root) {
    Keys.checkUnknown(root, "", problems);
    ConfigValue d = root.get(RunConfig.ROOT);
    ConfigObject distill = ConfigFactory.empty().root();
    if (d != null && d.valueType() != ConfigValueType.OBJECT) {
      problems.add(RunConfig.ROOT + " must be an object, got " + ValueReader.describe(d));
      return null;
    } else if (d != null) {
      distill = (ConfigObject) d;
    }
    Keys.checkUnknown(distill, RunConfig.ROOT, problems);
    Map<String, ConfigObject> sections = new LinkedHashMap<>();
    for (Params.Section section : Params.SECTIONS) {
      ConfigValue v = distill.get(section.key());
      String path = RunConfig.ROOT + "." + section.key();
      if (v == null) {
        sections.put(section.key(), ConfigFactory.empty().root());
      } else if (v.valueType() != ConfigValueType.OBJECT) {
        problems.add(path + " must be an object, got " + ValueReader.describe(v));
      } else {
        Keys.checkUnknown((ConfigObject) v, path, problems);
        sections.put(section.key(), (ConfigObject) v);
      }
    }
    Map<Param<?>, Object> values = new LinkedHashMap<>();
    for (Param<?> p : Params.ALL) {
      ConfigObject holder = p.section().isEmpty() ? distill : sections.get(p.section());
      if (holder == null) {
        continue; // the section itself was refused
      }
      ConfigValue v = holder.get(p.name());
      if (v == null) {
        values.put(p, p.defaultValue());
      } else {
        int before = problems.size();
        Object value = p.type().read(v, p.path(), problems);
        if (problems.size() == before) {
          values.put(p, value);
        }
      }
    }
    if (values.get(Params.TEACHER_MODEL) != null && values.get(Params.TEACHER_DL4J_JSON) != null) {
      problems.add(
          Params.TEACHER_MODEL.path()
              + " and "
              + Params.TEACHER_DL4J_JSON.path()
              + " are both set: a given"
              + " teacher is used as it is; set "
              + Params.TEACHER_MODEL.path()
              + " = null to train the teacher of "
              + values.get(Params.TEACHER_DL4J_JSON));
    }
    return problems.isEmpty() ? new RunConfig(values) : null;
  }
}
