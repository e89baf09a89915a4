package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.StudentSize;
import io.distill.jobs.report.AccuracyChart;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command for real: the shaded distill-job.jar run through Spark's own
 * SparkSubmit (bin/spark-submit, local[2]) with no job arguments but the run directory, on the
 * embedded default dataset.
 */
class DistillJobSubmitIT {
  @TempDir Path dir;

  @Test
  void theDefaultRunThroughSparkSubmitProducesACompleteRunDirectory() throws Exception {
    File project = Processes.PROJECT;
    Path run = dir.resolve("run");
    Processes.Result submit =
        Processes.run(
            dir.resolve("spark-submit.log"),
            20,
            Map.of(),
            List.of(
                "bash",
                new File(project, "bin/spark-submit").getAbsolutePath(),
                "--master",
                "local[2]",
                new File(project, "jobs/target/distill-job.jar").getAbsolutePath(),
                "--set",
                "run.dir=" + run));
    String output = submit.output();
    assertEquals(0, submit.exitCode(), submit.tail());
    // A log a person can read: the pipeline's own lines, not Spark's INFO chatter (once 6,750
    // lines). Lines ended by '\n': Spark's console progress bar redraws itself with '\r', which
    // String.lines() would count as a line per redraw, more of them the slower the machine.
    List<String> lines = List.of(output.split("\n"));
    assertTrue(lines.size() < 400, lines.size() + " lines of log:\n" + submit.tail());
    for (String stage :
        List.of("import", "split", "teacher", "soft-labels", "students", "evaluate", "report")) {
      assertTrue(output.contains("Stage " + stage + ": "), "a line for stage " + stage);
    }
    assertTrue(
        output
            .lines()
            .noneMatch(
                l ->
                    l.contains(" INFO ") && l.contains("org.apache.spark")
                        || l.matches(
                            ".* INFO  (DAGScheduler|TaskSetManager|BlockManager\\w*|MemoryStore|Executor): .*")),
        "no INFO lines of Spark's own");

    assertTrue(Files.exists(run.resolve("_SUCCESS")));
    String manifest = Files.readString(run.resolve("manifest.json"));
    assertTrue(manifest.contains("\"status\" : \"succeeded\""), manifest);
    assertTrue(manifest.contains("\"master\" : \"local[2]\""), "ran under Spark: " + manifest);
    for (String stage :
        List.of("import", "teacher", "soft-labels", "students", "evaluate", "report")) {
      assertTrue(manifest.contains("\"" + stage + "\""), stage + " missing from the manifest");
    }
    SparkSession spark = LocalSpark.session();
    List<Row> metrics = spark.read().parquet(run.resolve("metrics").toString()).collectAsList();
    List<String> sizes =
        Params.STUDENTS_SIZES.defaultValue().stream().map(StudentSize::name).toList();
    assertEquals(
        1 + 2 * sizes.size(), metrics.size(), "teacher + each size x (distilled, baseline)");
    assertEquals(
        sizes.size(),
        metrics.stream()
            .filter(r -> r.getString(r.fieldIndex("role")).equals("distilled"))
            .count());
    assertEquals(
        sizes.size(),
        metrics.stream().filter(r -> r.getString(r.fieldIndex("role")).equals("baseline")).count());
    // The product working: the shipped teacher (it saw the full training split) makes the largest
    // student it teaches better than the same student on the hard labels of the 4,500 slice
    // images (settings chosen on the slice's validation split, docs/BENCHMARKS.md; the smaller
    // sizes' margins are a few errors of 1,000, and 30x30 ties: not asserted), and the report's
    // verdict counts what the metrics show.
    Map<String, Long> errors = new TreeMap<>();
    for (Row r : metrics) {
      errors.put(r.getString(r.fieldIndex("model")), r.getLong(r.fieldIndex("test_errors")));
    }
    for (String size : List.of("300x300")) {
      assertTrue(
          errors.get(size + "-distilled") < errors.get(size + "-baseline"),
          "distilled beats its baseline at " + size + ": " + errors);
    }
    long wins =
        sizes.stream()
            .filter(size -> errors.get(size + "-distilled") < errors.get(size + "-baseline"))
            .count();
    assertTrue(
        Files.readString(run.resolve("report/report.md"))
            .contains(
                "Distilled students beat their hard-label baselines at "
                    + wins
                    + " of "
                    + sizes.size()
                    + " sizes"),
        errors.toString());
    assertTrue(
        spark.read().parquet(run.resolve("history").toString()).count() >= 1 + 2 * sizes.size());
    for (String f : List.of("report.md", "report.html", "accuracy-vs-parameters.png")) {
      assertTrue(Files.size(run.resolve("report").resolve(f)) > 0, f);
    }
    BufferedImage png = ImageIO.read(run.resolve("report/accuracy-vs-parameters.png").toFile());
    assertTrue(
        count(png, AccuracyChart.DISTILLED_COLOR.getRGB()) > 100, "the distilled line is drawn");
    assertTrue(
        count(png, AccuracyChart.BASELINE_COLOR.getRGB()) > 100, "the baseline line is drawn");
    assertTrue(count(png, AccuracyChart.TEACHER_COLOR.getRGB()) > 20, "the teacher point is drawn");

    // The HTML report as a person sees it: a 1280 px window in headless Chromium. Nothing overflows
    // the page, the
    // chart loads and fits, and every table but the full metrics dump (17 columns, in a scrolling
    // box) fits its width.
    ReportInBrowser.Measured seen =
        ReportInBrowser.open(run.resolve("report"), Path.of("target/report-in-browser"), 1280);
    String measured = ReportInBrowser.describe(seen);
    assertEquals(seen.viewport(), seen.page(), "the page is wider than the window: " + measured);
    assertTrue(seen.chartNatural() > 0 && seen.chartShown() <= seen.viewport(), measured);
    List<ReportInBrowser.Table> tables = seen.tables();
    assertTrue(tables.size() >= 5, measured);
    for (ReportInBrowser.Table t : tables) {
      assertTrue(
          t.fits() || t.heading().equals("All metrics"),
          "table under '"
              + t.heading()
              + "' is "
              + t.content()
              + " px in a "
              + t.shown()
              + " px box: "
              + measured);
    }
    BufferedImage shot = ImageIO.read(seen.screenshot().toFile());
    assertTrue(
        countNear(shot, AccuracyChart.DISTILLED_COLOR.getRGB()) > 50,
        "the chart shows in the browser");
  }

  /**
   * Pixels within 12 of {@code rgb} in every channel (the browser may scale the chart by a pixel or
   * two).
   */
  private static int countNear(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        boolean near = true;
        for (int shift = 0; shift <= 16; shift += 8) {
          near &= Math.abs(((p >> shift) & 0xff) - ((rgb >> shift) & 0xff)) <= 12;
        }
        n += near ? 1 : 0;
      }
    }
    return n;
  }

  private static int count(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xffffff) == (rgb & 0xffffff)) {
          n++;
        }
      }
    }
    return n;
  }
}
