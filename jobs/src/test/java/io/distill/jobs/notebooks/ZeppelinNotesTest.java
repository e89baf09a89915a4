package io.distill.jobs.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.LocalSpark;
import io.distill.jobs.DistillJob;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Zeppelin notes in notebooks/: valid .zpln structure, and every SQL paragraph, with its note
 * parameter filled in, run in Spark SQL against real run directories made by the pipeline,
 * returning rows.
 */
class ZeppelinNotesTest {
  private static final Pattern FORM = Pattern.compile("\\$\\$?\\{(\\w+)(?:=[^}]*)?}");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static Path nightly;

  /**
   * Two nights run by the nightly command (their runs and the nights table) and one night still
   * running (a copy of the first whose manifest says so and which has no _SUCCESS), under one root.
   */
  @BeforeAll
  static void runs() throws IOException {
    LocalSpark.session();
    nightly = dir.resolve("nightly");
    Path first = nightly.resolve("2026-11-20");
    for (String night : List.of("2026-11-20", "2026-11-21")) {
      assertEquals(
          0,
          DistillJob.run(
              new String[] {
                "nightly",
                "--runs-root",
                nightly.toString(),
                "--run-id",
                night,
                "--set",
                "nightly.tolerance=100",
                "--set",
                "teacher.model=null",
                "--set",
                "teacher.hidden=[16]",
                "--set",
                "teacher.epochs=1",
                "--set",
                "students.epochs=1",
                "--set",
                "students.sizes=[{name=\"8\", hidden=[8], temperature=3}]",
                "--set",
                "training.workers=2"
              }));
    }
    copy(first, nightly.resolve("2026-11-22-incomplete"));
    Path running = nightly.resolve("2026-11-22-incomplete");
    Files.delete(running.resolve("_SUCCESS"));
    Path manifest = running.resolve("manifest.json");
    String text = Files.readString(manifest);
    assertTrue(text.contains("\"status\" : \"succeeded\""), text);
    Files.writeString(
        manifest, text.replace("\"status\" : \"succeeded\"", "\"status\" : \"running\""));
    Files.deleteIfExists(
        running.resolve(".manifest.json.crc")); // edited by hand: its checksum no longer holds
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static List<Path> notes() throws IOException {
    Path notebooks = Path.of(System.getProperty("distill.project.dir", ".."), "notebooks");
    try (Stream<Path> s = Files.list(notebooks)) {
      return s.filter(p -> p.toString().endsWith(".zpln")).sorted().toList();
    }
  }

  @Test
  void everyNoteIsAValidZeppelinNote() throws IOException {
    List<Path> notes = notes();
    assertEquals(2, notes.size(), "notes: " + notes);
    Set<String> noteIds = new HashSet<>();
    for (Path file : notes) {
      JsonNode note = JSON.readTree(file.toFile());
      String where = file.getFileName().toString();
      // As Zeppelin stores a note, so the file can be dropped into a notebook directory.
      assertEquals(
          note.path("name").asText() + "_" + note.path("id").asText() + ".zpln",
          where,
          "file name");
      assertTrue(
          note.path("id").isTextual() && noteIds.add(note.get("id").asText()), where + ": id");
      assertTrue(
          note.path("name").isTextual() && !note.get("name").asText().isBlank(), where + ": name");
      assertTrue(
          note.path("paragraphs").isArray() && note.get("paragraphs").size() >= 4,
          where + ": paragraphs");
      Set<String> ids = new HashSet<>();
      int sql = 0;
      for (JsonNode p : note.get("paragraphs")) {
        assertTrue(
            p.path("id").isTextual() && ids.add(p.get("id").asText()), where + ": paragraph id");
        assertTrue(p.path("text").isTextual(), where + ": text");
        assertTrue(
            p.path("config").isObject() && p.path("settings").isObject(),
            where + ": config/settings");
        String text = p.get("text").asText();
        assertTrue(
            text.startsWith("%spark.sql") || text.startsWith("%md"),
            where + ": interpreter of " + text);
        if (text.startsWith("%spark.sql")) {
          sql++;
          JsonNode graph = p.at("/config/results/0/graph");
          assertTrue(
              List.of("table", "lineChart", "multiBarChart", "scatterChart")
                  .contains(graph.path("mode").asText()),
              where + ": chart mode of " + p.get("title"));
          if (graph.path("mode").asText().equals("scatterChart")) {
            // Zeppelin's scatter chart plots what its own settings name, not keys and values.
            JsonNode axes = graph.at("/setting/scatterChart");
            assertTrue(
                axes.at("/xAxis/name").isTextual() && axes.at("/yAxis/name").isTextual(),
                where + ": scatter axes of " + p.get("title"));
            assertTrue(
                text.contains(axes.at("/xAxis/name").asText())
                    && text.contains(axes.at("/yAxis/name").asText()),
                where + ": scatter axes are columns of " + p.get("title"));
          }
          if (!graph.path("mode").asText().equals("table")) {
            assertFalse(
                graph.path("keys").isEmpty() || graph.path("values").isEmpty(),
                where + ": chart keys/values of " + p.get("title"));
          }
          Matcher m = FORM.matcher(text);
          assertTrue(m.find(), where + ": the SQL reads its path from the note parameter");
          assertTrue(note.path("noteForms").has(m.group(1)), where + ": note form " + m.group(1));
        }
      }
      assertTrue(sql >= 3, where + ": SQL paragraphs");
    }
  }

  @Test
  void everySqlParagraphReturnsRowsOnRealRuns() throws IOException {
    SparkSession spark = LocalSpark.session();
    Map<String, String> values =
        Map.of(
            "run", nightly.resolve("2026-11-21").toString(),
            "runs", nightly.toString());
    List<String> ran = new ArrayList<>();
    for (Path file : notes()) {
      for (JsonNode p : JSON.readTree(file.toFile()).get("paragraphs")) {
        String text = p.get("text").asText();
        if (!text.startsWith("%spark.sql")) {
          continue;
        }
        Matcher m = FORM.matcher(text.substring("%spark.sql".length()));
        StringBuilder sql = new StringBuilder();
        while (m.find()) {
          m.appendReplacement(sql, Matcher.quoteReplacement(values.get(m.group(1))));
        }
        m.appendTail(sql);
        List<Row> rows = spark.sql(sql.toString()).collectAsList();
        assertFalse(
            rows.isEmpty(),
            file.getFileName() + ": '" + p.get("title").asText() + "' returned no rows");
        ran.add(p.get("title").asText());
        if (text.contains("Every complete run")) {
          Set<String> runs = new HashSet<>();
          rows.forEach(r -> runs.add(r.getString(0)));
          assertEquals(Set.of("2026-11-20", "2026-11-21"), runs, "only complete runs");
        }
        if (text.contains("distilled_only_right")) {
          for (Row r : rows) {
            // The errors' difference, from the two models' counts, equals the paired counts'
            // difference, which the evaluate stage counts row by row: the columns are joined right.
            long gain = ((Number) r.getAs("gain")).longValue();
            long distilledOnly = ((Number) r.getAs("distilled_only_right")).longValue();
            long baselineOnly = ((Number) r.getAs("baseline_only_right")).longValue();
            assertEquals(gain, distilledOnly - baselineOnly, "paired counts of " + r);
          }
        }
        if (text.contains("promoted or not")) {
          assertEquals("2026-11-21", rows.get(0).getString(0), "newest first, from the partition");
          assertEquals("2026-11-20", rows.get(0).getString(6), "compared with the night before");
          assertTrue(rows.get(0).getBoolean(8), "promoted (tolerance 100 points)");
        }
      }
    }
    assertTrue(ran.size() >= 13, "SQL paragraphs run: " + ran);
    assertTrue(new File(values.get("run")).isDirectory());
  }
}
