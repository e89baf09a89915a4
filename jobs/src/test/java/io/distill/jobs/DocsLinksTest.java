package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The docs stay true where a test can tell: every link from README.md into docs/BENCHMARKS.md names
 * a heading that exists (GitHub's anchors), and every fully qualified io.distill class the main
 * sources name in their comments exists (a comment once named a {@code jobs.cli} package that never
 * did).
 */
class DocsLinksTest {
  private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", ".."));

  @Test
  void readmeLinksIntoBenchmarksNameHeadingsThatExist() throws Exception {
    Set<String> anchors = new HashSet<>();
    for (String line : Files.readAllLines(PROJECT.resolve("docs/BENCHMARKS.md"))) {
      if (line.startsWith("#")) {
        String title = line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
        anchors.add(title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
      }
    }
    Matcher m =
        Pattern.compile("\\(docs/BENCHMARKS\\.md#([^)]+)\\)")
            .matcher(Files.readString(PROJECT.resolve("README.md")));
    int links = 0;
    while (m.find()) {
      links++;
      assertTrue(
          anchors.contains(m.group(1)),
          "README links to docs/BENCHMARKS.md#" + m.group(1) + ", which has no such heading");
    }
    assertTrue(links >= 3, "the README's status table links into the benchmarks");
  }

  @Test
  void classesNamedInTheSourcesExist() throws Exception {
    Pattern named = Pattern.compile("\\{@(?:code|link) (io\\.distill(?:\\.[a-z]+)+\\.[A-Z]\\w*)");
    try (var files = Files.walk(PROJECT)) {
      for (Path f :
          (Iterable<Path>)
              files.filter(
                      p ->
                          p.toString().endsWith(".java")
                              && p.toString().contains("/src/main/java/"))
                  ::iterator) {
        Matcher m = named.matcher(Files.readString(f));
        while (m.find()) {
          String name = m.group(1);
          assertTrue(Files.exists(source(name)), f + " names " + name + ", which does not exist");
        }
      }
    }
  }

  /** Where a top-level class's source would be, in whichever module. */
  private static Path source(String className) throws Exception {
    String relative = "src/main/java/" + className.replace('.', '/') + ".java";
    try (var modules = Files.list(PROJECT)) {
      return modules
          .map(m -> m.resolve(relative))
          .filter(Files::exists)
          .findFirst()
          .orElse(PROJECT.resolve(relative));
    }
  }
}
