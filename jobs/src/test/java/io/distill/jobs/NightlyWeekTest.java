package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.jobs.nightly.NightNotPromotedException;
import io.distill.jobs.nightly.NightRecord;
import io.distill.jobs.nightly.NightsRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nights over the embedded slice arriving in date partitions: the teacher labels only new rows and
 * a new teacher relabels all; a night whose students are worse than the champion's is recorded and
 * not promoted (exit 3); an older night never replaces a later champion; --keep prunes old nights.
 */
class NightlyWeekTest {
  @TempDir Path dir;

  private Path input;
  private Path root;

  /** Rows of the slice's training split with id below {@code upTo} arrive on {@code date}. */
  private void arrive(String date, long from, long upTo) {
    arrive(date, from, upTo, 0);
  }

  /** As above, with {@code corrupt} more rows whose features are NaN (ids from 1,000,000). */
  private void arrive(String date, long from, long upTo, int corrupt) {
    Dataset<Row> train = EmbeddedMnist.train();
    Dataset<Row> rows = train.where(train.col("id").geq(from).and(train.col("id").lt(upTo)));
    if (corrupt > 0) {
      rows =
          rows.unionByName(
              rows.limit(corrupt)
                  .select(
                      functions.col("id").plus(1_000_000L).as("id"),
                      functions
                          .expr("transform(features, x -> CAST('NaN' AS FLOAT))")
                          .as("features"),
                      functions.col("label")));
    }
    rows.write().parquet(input.resolve("train/date=" + date).toString());
  }

  private int night(String id, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "nightly",
                "--runs-root",
                root.toString(),
                "--run-id",
                id,
                "--set",
                "data.train=" + input.resolve("train"),
                "--set",
                "data.test=" + input.resolve("test"),
                "--set",
                "data.validation-fraction=0.1",
                "--set",
                "soft-labels.transfer-copies=0",
                "--set",
                "data.max-bad-rows=10",
                "--set",
                "students.epochs=1"));
    args.addAll(List.of(extra));
    return DistillJob.run(args.toArray(new String[0]));
  }

  private static final String SMALL = "students.sizes=[{name=\"8\", hidden=[8]}]";

  /** A student that cannot learn in one epoch: what a bad night produces. */
  private static final String BROKEN =
      "students.sizes=[{name=\"8\", hidden=[8], learning-rate=1e-9}]";

  private Map<?, ?> manifest(String night) throws Exception {
    return new ObjectMapper().readValue(root.resolve(night + "/manifest.json").toFile(), Map.class);
  }

  private long labelledRows(String night) throws Exception {
    return ((Number) ((Map<?, ?>) manifest(night).get("softLabels")).get("labelledRows"))
        .longValue();
  }

  private String latest() throws Exception {
    return Files.readString(root.resolve(NightsRoot.LATEST)).trim();
  }

  @Test
  void aWeekOfNights() throws Exception {
    SparkSession spark = LocalSpark.session();
    input = dir.resolve("input");
    root = dir.resolve("nightly");
    EmbeddedMnist.test().write().parquet(input.resolve("test").toString());

    // Night 1: half the rows; the teacher labels all of them and the test split.
    arrive("2026-11-01", 0, 2500);
    assertEquals(0, night("2026-11-01", "--set", SMALL));
    assertEquals("2026-11-01", latest());
    assertEquals(2500 + 1000, labelledRows("2026-11-01"));

    // Night 2: 500 new rows and 3 corrupt ones (quarantined); only the new rows are labelled, and
    // the old rows' soft labels are the same. The students continue from the champion's over the
    // new training rows.
    arrive("2026-11-02", 2500, 3000, 3);
    String[] secondNight = {
      "--set", SMALL, "--set", "nightly.tolerance=100", "--set", "nightly.students=warm"
    };
    assertEquals(0, night("2026-11-02", secondNight));
    assertEquals("2026-11-02", latest());
    assertEquals(500, labelledRows("2026-11-02"));
    assertEquals(
        3,
        spark
            .read()
            .parquet(root.resolve("2026-11-02/quarantine/import/train").toString())
            .count());
    String start =
        String.valueOf(((Map<?, ?>) manifest("2026-11-02").get("students")).get("start"));
    assertTrue(
        start.startsWith("warm from the champion ") && start.contains("2026-11-01 over the "),
        start);
    assertTrue(start.contains("and a random sample of as many earlier ones"), start);
    long window = Long.parseLong(start.replaceAll(".* over the (\\d+) training rows.*", "$1"));
    assertEquals(450, window, 25, "the new rows less their validation rows: " + start);
    // A rerun of the champion's own night continues from what it did: every stage is reused.
    assertEquals(0, night("2026-11-02", secondNight));
    Map<?, ?> stages = (Map<?, ?>) manifest("2026-11-02").get("stages");
    assertEquals("reused", ((Map<?, ?>) stages.get("students")).get("status"), stages.toString());
    assertEquals("2026-11-02", latest());
    Dataset<Row> first =
        spark.read().parquet(root.resolve("2026-11-01/soft-labels/train").toString());
    Dataset<Row> second =
        spark.read().parquet(root.resolve("2026-11-02/soft-labels/train").toString());
    assertEquals(2500, first.count());
    assertEquals(3000, second.count());
    assertEquals(0, first.except(second).count(), "an old row's soft labels changed");

    // Night 3: students that learn nothing are worse than the champion's: recorded, not promoted.
    arrive("2026-11-03", 3000, 3500);
    assertEquals(NightNotPromotedException.EXIT_CODE, night("2026-11-03", "--set", BROKEN));
    assertEquals("2026-11-02", latest());
    assertEquals(500, labelledRows("2026-11-03"));
    assertTrue(Files.exists(root.resolve("2026-11-03/_SUCCESS")), "the run itself succeeded");

    // An older night rerun cannot replace the champion, and does not run.
    assertEquals(NightNotPromotedException.EXIT_CODE, night("2026-11-01", "--set", SMALL));
    assertEquals("2026-11-02", latest());

    // Night 4: a new teacher (trained by the run) relabels every row; --keep 2 prunes.
    assertEquals(
        0,
        night(
            "2026-11-04",
            "--set",
            SMALL,
            "--set",
            "nightly.tolerance=100",
            "--set",
            "teacher.model=null",
            "--set",
            "teacher.hidden=[16]",
            "--set",
            "teacher.epochs=1",
            "--keep",
            "2"));
    assertEquals("2026-11-04", latest());
    assertEquals(3500 + 1000, labelledRows("2026-11-04"));
    assertFalse(Files.exists(root.resolve("2026-11-01")));
    assertFalse(Files.exists(root.resolve("2026-11-02")));
    assertTrue(Files.exists(root.resolve("2026-11-03")));

    // The nights table: a row per night and model, the figures of the promotion with it.
    List<NightRecord> nights =
        new NightsRoot(root.toString(), spark.sparkContext().hadoopConfiguration()).nights(spark);
    assertEquals(8, nights.size(), nights.toString());
    NightRecord bad =
        nights.stream()
            .filter(r -> r.night().equals("2026-11-03") && r.role().equals("distilled"))
            .findFirst()
            .orElseThrow();
    assertFalse(bad.promoted());
    assertEquals("2026-11-02", bad.champion());
    assertTrue(bad.holdoutErrors() > bad.championErrors(), bad.toString());
    assertTrue(bad.reason().contains("worse than the champion"), bad.reason());
    assertEquals(500, bad.rowsAdded());
    assertEquals(350, bad.holdoutExamples(), 60, "about a tenth of 3,500 rows");
    String report = Files.readString(root.resolve(NightsRoot.NIGHTS_REPORT));
    assertTrue(report.contains("| 2026-11-03 | 8 |"), report);
    assertTrue(report.contains("**no**"), report);
  }
}
