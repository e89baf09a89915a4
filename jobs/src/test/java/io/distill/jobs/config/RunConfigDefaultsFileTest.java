package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code conf/default.conf} is what users read: it is generated from {@link Params} (so it cannot
 * drift from what the loader reads), documents every key with its default, and loads to the
 * defaults.
 */
class RunConfigDefaultsFileTest {
  private static final Path DEFAULTS = RunConfigTest.projectDir().resolve("conf/default.conf");
  private static final Pattern KEY_LINE =
      Pattern.compile("^\\s*([A-Za-z][A-Za-z0-9-]*)\\s*(=|\\{)");

  @Test
  void confDefaultConfIsTheFileGeneratedFromTheParams() throws Exception {
    assertEquals(
        DefaultsFile.render(),
        Files.readString(DEFAULTS),
        "regenerate it: java -cp"
            + " jobs/target/distill-job.jar io.distill.jobs.config.DefaultsFile > conf/default.conf");
  }

  @Test
  void itLoadsToTheDefaults() {
    assertEquals(RunConfig.defaults(), RunConfig.load(DEFAULTS.toString(), List.of()));
    RunConfig changed = RunConfig.load(DEFAULTS.toString(), List.of("students.epochs=9"));
    assertEquals(9, changed.get(Params.STUDENTS_EPOCHS), "and overrides still win over it");
  }

  @Test
  void everyKeyAndSectionHasACommentLineAboveIt() throws Exception {
    List<String> lines = Files.readAllLines(DEFAULTS);
    int keys = 0;
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = KEY_LINE.matcher(lines.get(i));
      if (!m.find() || lines.get(i).trim().startsWith("distill")) {
        continue;
      }
      keys++;
      String above = lines.get(i - 1).trim();
      assertTrue(
          above.startsWith("#"),
          "conf/default.conf:"
              + (i + 1)
              + ": '"
              + m.group(1)
              + "' needs a # comment line right above it");
    }
    assertEquals(
        Params.ALL.size() + Params.SECTIONS.size(), keys, "one key line per parameter and section");
  }

  @Test
  void everyLeafKeyIsAParameterDocumentedWithItsDefault() throws Exception {
    List<String> lines = Files.readAllLines(DEFAULTS);
    ConfigObject root = ConfigFactory.parseFile(DEFAULTS.toFile()).root();
    List<String> leaves = new ArrayList<>();
    collectLeaves(root, "", leaves);
    List<String> declared = Params.ALL.stream().map(Param::path).toList();
    assertEquals(new TreeSet<>(declared), new TreeSet<>(leaves));
    for (String leaf : leaves) {
      ConfigValue v = value(root, leaf);
      int line = v.origin().lineNumber();
      StringBuilder comment = new StringBuilder();
      for (int i = line - 2; i >= 0 && lines.get(i).trim().startsWith("#"); i--) {
        comment.insert(0, lines.get(i).trim() + "\n");
      }
      assertTrue(
          comment.toString().contains("Default:"),
          leaf + " (line " + line + "): its comment does not give the default:\n" + comment);
    }
  }

  @Test
  void everyDefaultSizeUsesOnlyKnownKeys() {
    ConfigObject root = ConfigFactory.parseFile(DEFAULTS.toFile()).root();
    ConfigList sizes = (ConfigList) value(root, "distill.students.sizes");
    assertEquals(Params.STUDENTS_SIZES.defaultValue().size(), sizes.size());
    for (ConfigValue size : sizes) {
      assertTrue(ParamTypes.SIZE_KEYS.containsAll(((ConfigObject) size).keySet()), size.render());
    }
  }

  /** Full paths of the non-object values (lists such as students.sizes count as one leaf). */
  private static void collectLeaves(ConfigObject o, String prefix, List<String> out) {
    for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof ConfigObject child) {
        collectLeaves(child, path, out);
      } else {
        out.add(path);
      }
    }
  }

  private static ConfigValue value(ConfigObject root, String path) {
    ConfigValue v = root;
    for (String part : path.split("\\.")) {
      v = ((ConfigObject) v).get(part);
    }
    return v;
  }
}
