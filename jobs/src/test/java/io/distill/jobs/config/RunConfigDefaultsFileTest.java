package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.io.InputStream;
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
 * {@code conf/default.conf} is what users read: it must equal the jar's copy, document every key and hold
 * exactly the keys {@link RunConfig} reads.
 */
class RunConfigDefaultsFileTest {
  private static final Path DEFAULTS = RunConfigTest.projectDir().resolve("conf/default.conf");
  private static final Pattern KEY_LINE = Pattern.compile("^\\s*([A-Za-z][A-Za-z0-9-]*)\\s*(=|\\{)");

  @Test
  void theResourceIsByteIdenticalToConfDefaultConf() throws Exception {
    try (InputStream in = RunConfig.class.getResourceAsStream(RunConfig.DEFAULTS_RESOURCE)) {
      assertNotNull(in, RunConfig.DEFAULTS_RESOURCE);
      assertArrayEquals(Files.readAllBytes(DEFAULTS), in.readAllBytes(),
          "copy conf/default.conf to jobs/src/main/resources" + RunConfig.DEFAULTS_RESOURCE);
    }
  }

  @Test
  void everyKeyAndSectionHasACommentLineAboveIt() throws Exception {
    List<String> lines = Files.readAllLines(DEFAULTS);
    int keys = 0;
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = KEY_LINE.matcher(lines.get(i));
      if (!m.find()) {
        continue;
      }
      keys++;
      String above = i == 0 ? "" : lines.get(i - 1).trim();
      assertTrue(above.startsWith("#"), "conf/default.conf:" + (i + 1) + ": '" + m.group(1)
          + "' needs a # comment line right above it");
    }
    assertTrue(keys >= 35, "found only " + keys + " key lines");
  }

  @Test
  void everyLeafKeyIsDocumentedWithItsDefault() throws Exception {
    List<String> lines = Files.readAllLines(DEFAULTS);
    ConfigObject root = ConfigFactory.parseFile(DEFAULTS.toFile()).root();
    List<String> leaves = new ArrayList<>();
    collectLeaves(root, "", leaves);
    assertEquals(RunConfig.defaults().asMap().size(), 1); // (the key set itself is checked below)
    for (String leaf : leaves) {
      ConfigValue v = value(root, leaf);
      int line = v.origin().lineNumber(); // 1-based: the line of `key = value`
      String key = leaf.substring(leaf.lastIndexOf('.') + 1);
      assertTrue(lines.get(line - 1).trim().startsWith(key), leaf + " is not on line " + line);
      StringBuilder comment = new StringBuilder();
      for (int i = line - 2; i >= 0 && lines.get(i).trim().startsWith("#"); i--) {
        comment.insert(0, lines.get(i).trim() + "\n");
      }
      assertTrue(comment.length() > 0, leaf + " (line " + line + ") has no comment");
      assertTrue(comment.toString().contains("Default:"),
          leaf + " (line " + line + "): its comment does not give the default:\n" + comment);
    }
  }

  @Test
  void theDefaultsFileHoldsExactlyTheKeysRunConfigReads() {
    ConfigObject root = ConfigFactory.parseFile(DEFAULTS.toFile()).root();
    List<String> inFile = new ArrayList<>();
    collectLeaves(root, "", inFile);
    List<String> read = new ArrayList<>();
    collectMapLeaves(RunConfig.defaults().asMap(), "", read);
    assertEquals(new TreeSet<>(inFile), new TreeSet<>(read));
    List<String> schema = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : RunConfigLoader.KEYS.entrySet()) {
      for (String k : e.getValue()) {
        if (!RunConfigLoader.KEYS.containsKey(e.getKey() + "." + k)) {
          schema.add(e.getKey() + "." + k);
        }
      }
    }
    assertEquals(new TreeSet<>(inFile), new TreeSet<>(schema));
  }

  @Test
  void everyDefaultSizeUsesOnlyKnownKeys() {
    ConfigObject root = ConfigFactory.parseFile(DEFAULTS.toFile()).root();
    ConfigList sizes = (ConfigList) value(root, "distill.students.sizes");
    for (ConfigValue size : sizes) {
      assertTrue(RunConfigLoader.SIZE_KEYS.containsAll(((ConfigObject) size).keySet()), size.render());
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

  private static void collectMapLeaves(Map<?, ?> m, String prefix, List<String> out) {
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String path = prefix.isEmpty() ? (String) e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof Map<?, ?> child) {
        collectMapLeaves(child, path, out);
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
