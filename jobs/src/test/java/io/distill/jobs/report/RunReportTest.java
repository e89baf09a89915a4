package io.distill.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.student.ModelMetrics;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
  static final long EXAMPLES = 10_000;

  /** size, parameters, baseline errors, distilled errors. */
  static final Object[][] SIZES = {
    {"30x30", 24_790L, 310L, 262L},
    {"100x100", 89_610L, 205L, 151L},
    {"300x300", 328_810L, 160L, 97L},
    {"800x800", 1_276_810L, 143L, 81L},
  };

  static final long TEACHER_ERRORS = 69;
  static final long TEACHER_PARAMETERS = 2_395_210;

  @TempDir Path dir;

  static ModelMetrics model(
      String name,
      String role,
      String size,
      double temperature,
      double alpha,
      long parameters,
      long errors,
      double agreement,
      double kl,
      double trainingSeconds) {
    double p50 = 0.02 + parameters * 2e-7;
    return new ModelMetrics(
        name,
        role,
        size,
        temperature,
        alpha,
        parameters,
        parameters * 4 + 1_850,
        2.0 * parameters,
        EXAMPLES,
        errors,
        1 - (double) errors / EXAMPLES,
        agreement,
        kl,
        p50,
        p50 * 1.7,
        3e7 / (300 + parameters / 100.0),
        trainingSeconds,
        20,
        null,
        null);
  }

  static ModelMetrics teacher(long errors) {
    return model(
        "teacher",
        ModelMetrics.TEACHER,
        "1200x1200",
        Double.NaN,
        1,
        TEACHER_PARAMETERS,
        errors,
        1,
        0,
        1_830.4);
  }

  /**
   * The teacher and four sizes × (distilled, baseline), as a sweep over MNIST would report them.
   */
  static List<ModelMetrics> realistic() {
    List<ModelMetrics> metrics = new ArrayList<>();
    metrics.add(teacher(TEACHER_ERRORS));
    for (Object[] s : SIZES) {
      String size = (String) s[0];
      long params = (Long) s[1];
      long base = (Long) s[2];
      long dist = (Long) s[3];
      metrics.add(
          model(
              size + "-distilled",
              ModelMetrics.DISTILLED,
              size,
              20,
              0.1,
              params,
              dist,
              1 - (dist + TEACHER_ERRORS) / 2.0 / EXAMPLES,
              0.02 + dist / 10_000.0,
              60 + params / 5_000.0));
      metrics.add(
          model(
              size + "-baseline",
              ModelMetrics.BASELINE,
              size,
              Double.NaN,
              1,
              params,
              base,
              1 - (base + TEACHER_ERRORS) / 1.5 / EXAMPLES,
              0.05 + base / 5_000.0,
              55 + params / 5_000.0));
    }
    return metrics;
  }

  /** {@code m} under another name, T, α and number of test errors. */
  static ModelMetrics copy(
      ModelMetrics m, String model, double temperature, double alpha, long errors) {
    return new ModelMetrics(
        model,
        m.role(),
        m.size(),
        temperature,
        alpha,
        m.parameters(),
        m.serializedBytes(),
        m.forwardFlops(),
        m.testExamples(),
        errors,
        1 - (double) errors / m.testExamples(),
        m.teacherAgreement(),
        m.meanKlToTeacher(),
        m.latencyP50Millis(),
        m.latencyP95Millis(),
        m.throughputPerSecond(),
        m.trainingSeconds(),
        m.epochs(),
        m.distilledOnlyRight(),
        m.baselineOnlyRight());
  }

  static RunFacts facts() {
    Map<String, Double> stages = new LinkedHashMap<>();
    stages.put("import-mnist", 41.5);
    stages.put("train-teacher", 1830.4);
    stages.put("soft-labels", 95.3);
    stages.put("sweep", 2410.0);
    return new RunFacts(
        "r-2026-01-17",
        "file:/data/runs/r-2026-01-17",
        "MNIST, 60,000 train / 10,000 test",
        "784-1200-1200-10, trained by this run",
        stages,
        Map.of("soft-labels", new StageWork("rows labelled", 70_000, 70_000 * 4_790_420.0)),
        "distill {\n  temperature = 20\n  alpha = 0.1\n  sizes = [\"30x30\", \"100x100\"]\n}\n");
  }

  static String gain(long base, long dist) {
    return String.format(Locale.ROOT, "%,d", base - dist);
  }

  static String gap(long base, long dist, long teacher) {
    return String.format(Locale.ROOT, "%.1f%%", 100.0 * (base - dist) / (base - teacher));
  }

  /** The main table's row for a size, split into trimmed cells (cell 0 is the size). */
  static List<String> row(String markdown, String first) {
    List<String> rows = markdown.lines().filter(l -> l.startsWith("| " + first + " |")).toList();
    assertEquals(
        2, rows.size(), "one row per size in the main table and one in the cost table: " + rows);
    String line = rows.get(0);
    return Arrays.stream(line.substring(1, line.length() - 1).split("\\|"))
        .map(String::trim)
        .toList();
  }

  @Test
  void writesMarkdownHtmlAndAChartThatShowsTheRun() throws Exception {
    List<ModelMetrics> metrics = realistic();
    RunReport.Output out =
        RunReport.of(facts(), metrics)
            .writeTo(dir.resolve("report").toString(), new Configuration());

    Path report = dir.resolve("report");
    try (Stream<Path> files = Files.list(report)) {
      assertEquals(
          Set.of("report.md", "report.html", "accuracy-vs-parameters.png"),
          new HashSet<>(files.map(p -> p.getFileName().toString()).toList()),
          "no .crc or temporary files");
    }
    assertTrue(out.markdown().endsWith("/report/report.md"), out.markdown());
    assertTrue(out.chart().startsWith("file:"), out.chart());

    // The chart: the right size, and the plotted series where the chart says they are.
    BufferedImage png = ImageIO.read(report.resolve("accuracy-vs-parameters.png").toFile());
    assertEquals(AccuracyChart.WIDTH, png.getWidth());
    assertEquals(AccuracyChart.HEIGHT, png.getHeight());
    assertEquals(900, png.getWidth());
    assertEquals(600, png.getHeight());
    AccuracyChart chart = AccuracyChart.of(RunSummary.of(metrics), "any title");
    List<Point2D> distilled = new ArrayList<>();
    for (ModelMetrics m : metrics) {
      Point2D p = chart.pixel(m.parameters(), m.testAccuracy());
      assertTrue(chart.plotArea().contains(p), m.model() + " is inside the plot: " + p);
      int expected =
          switch (m.role()) {
            case ModelMetrics.DISTILLED -> AccuracyChart.DISTILLED_COLOR.getRGB();
            case ModelMetrics.BASELINE -> AccuracyChart.BASELINE_COLOR.getRGB();
            default -> AccuracyChart.TEACHER_COLOR.getRGB();
          };
      assertEquals(
          hex(expected), hex(png.getRGB((int) p.getX(), (int) p.getY())), "marker of " + m.model());
      if (m.role().equals(ModelMetrics.DISTILLED)) {
        distilled.add(p);
      }
    }
    distilled.sort((a, b) -> Double.compare(a.getX(), b.getX()));
    for (int i = 1; i < distilled.size(); i++) { // the line between consecutive distilled students
      for (double f : new double[] {0.3, 0.5, 0.7}) {
        double x =
            distilled.get(i - 1).getX()
                + f * (distilled.get(i).getX() - distilled.get(i - 1).getX());
        double y =
            distilled.get(i - 1).getY()
                + f * (distilled.get(i).getY() - distilled.get(i - 1).getY());
        assertTrue(
            near(png, x, y, AccuracyChart.DISTILLED_COLOR.getRGB()),
            "the distilled line passes " + x + "," + y);
      }
    }
    assertTrue(
        count(png, AccuracyChart.DISTILLED_COLOR.getRGB()) > 300, "the distilled line is drawn");
    assertTrue(
        count(png, AccuracyChart.BASELINE_COLOR.getRGB()) > 200, "the baseline line is drawn");
    assertTrue(count(png, AccuracyChart.TEACHER_COLOR.getRGB()) > 40, "the teacher is drawn");
    assertTrue(
        count(png, AccuracyChart.LABEL_COLOR.getRGB()) > 20, "the distilled points are labelled");
    assertTrue(distinctColours(png) > 50, "antialiased lines and text: " + distinctColours(png));
    assertEquals(0xFFFFFFFF, png.getRGB(2, 2), "white background");

    // The Markdown: each size with its numbers, computed here independently.
    String md = Files.readString(report.resolve("report.md"), StandardCharsets.UTF_8);
    assertTrue(md.startsWith("# Distillation run r-2026-01-17\n"), md);
    for (Object[] s : SIZES) {
      String size = (String) s[0];
      long base = (Long) s[2];
      long dist = (Long) s[3];
      List<String> cells = row(md, size);
      assertEquals(
          String.format(Locale.ROOT, "%,d", (Long) s[1]), cells.get(1), size + " parameters");
      assertTrue(cells.get(2).startsWith(base + " ("), cells.get(2));
      assertTrue(
          cells.get(3).startsWith(dist + " (") && cells.get(3).endsWith("T=20, α=0.1"),
          cells.get(3));
      assertEquals(gain(base, dist), cells.get(4), size + " gain");
      assertEquals("—", cells.get(5), size + " paired: none measured");
      assertEquals(gap(base, dist, TEACHER_ERRORS), cells.get(6), size + " gap closed");
    }
    assertEquals("62", gain(143, 81));
    assertEquals("83.8%", gap(143, 81, 69)); // 62 / 74, by hand
    assertTrue(
        md.contains("| **teacher 1200x1200** | **2,395,210** | **—** | **69 (99.31%)** |"), md);
    assertTrue(md.contains("### What each size costs"), md);
    for (ModelMetrics m : metrics) {
      if (m.role().equals(ModelMetrics.DISTILLED)) {
        assertTrue(
            md.contains(
                "| "
                    + m.size()
                    + " | "
                    + String.format(
                        Locale.ROOT, "%,d | %,d |", m.parameters(), m.serializedBytes())),
            "cost row of " + m.size() + ": " + md);
      }
    }
    for (String stage : List.of("import-mnist", "train-teacher", "soft-labels", "sweep")) {
      assertTrue(md.contains("| " + stage + " |"), stage);
    }
    assertTrue(md.contains("| **total** | **4,377.2** | **100.0%** |  |  |  |"), md);
    // Where the time goes: 70,000 rows in 95.3 s; 70,000 × 4,790,420 flops / 95.3 s = 3.52 GFLOP/s;
    // no work given: —.
    assertTrue(md.contains("| soft-labels | 95.3 | 2.2% | 70,000 rows labelled | 735 | 3.5 |"), md);
    assertTrue(md.contains("| sweep | 2,410.0 | 55.1% | — | — | — |"), md);
    assertTrue(md.contains("| Teacher errors | 67 | 69 |"), md);
    assertTrue(md.contains("| 800x800 student, hard labels | 146 | 143 |"), md);
    assertTrue(md.contains("| 800x800 student, distilled | 74 (T=20) | 81 (T=20, α=0.1) |"), md);
    assertTrue(md.contains("| Gap closed | 91.1% | 83.8% |"), md); // Hinton: 72 / 79
    assertTrue(md.contains("![") && md.contains("](accuracy-vs-parameters.png)"), md);
    assertTrue(
        md.contains("```\ndistill {\n  temperature = 20\n"), "the configuration verbatim: " + md);
    for (ModelMetrics m : metrics) {
      assertTrue(
          md.contains("| " + m.model() + " | " + m.role() + " | " + m.size() + " |"),
          "full table: " + m);
    }

    // The HTML: the same content, standalone, with the chart beside it.
    String html = Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8);
    assertTrue(html.startsWith("<!DOCTYPE html>"), html);
    assertTrue(html.contains("<img src=\"accuracy-vs-parameters.png\""), html);
    assertTrue(html.contains("<style>"), html);
    assertFalse(
        html.contains("http://")
            || html.contains("https://")
            || html.contains("<link")
            || html.contains("<script"),
        "no external resources");
    for (Object[] s : SIZES) {
      String size = (String) s[0];
      assertTrue(html.contains("<td>" + size + "</td>"), size);
      assertTrue(
          html.contains(
              "<td class=\"num\">" + gap((Long) s[2], (Long) s[3], TEACHER_ERRORS) + "</td>"),
          size);
    }
    assertTrue(html.contains("91.1%") && html.contains("temperature = 20"), html);
  }

  /** A distilled student at α = 1 (the search gave its size to hard labels) is named as such. */
  @Test
  void aDistilledStudentOnHardLabelsIsSaidToBeOne() {
    List<ModelMetrics> metrics = new ArrayList<>(realistic());
    ModelMetrics d = metrics.get(1);
    assertEquals(ModelMetrics.DISTILLED, d.role(), d.model());
    metrics.set(1, copy(d, d.model(), Double.NaN, 1.0, d.testErrors()));
    String md = RunReport.of(facts(), metrics).markdown();
    assertTrue(md.contains("; hard labels (α=1) |"), md);
    assertTrue(
        md.contains(
            "The \"distilled\" student of "
                + d.size()
                + " learns from hard labels only (α = 1), as the settings search sets it"),
        md);
    assertFalse(RunReport.of(facts(), realistic()).markdown().contains("learns from hard labels"));
  }

  @Test
  void htmlAndMarkdownEscapeModelNames() {
    List<ModelMetrics> metrics = new ArrayList<>(realistic());
    ModelMetrics d = metrics.get(1);
    metrics.set(
        1,
        copy(
            d,
            "30x30-distilled<script>alert('x') & co</script>",
            d.temperature(),
            d.alpha(),
            d.testErrors()));
    RunReport report =
        RunReport.of(new RunFacts("<b>run</b>", null, null, null, null, "a = \"<x>\"\n"), metrics);
    String html = report.html();
    assertTrue(
        html.contains("30x30-distilled&lt;script&gt;alert('x') &amp; co&lt;/script&gt;"), html);
    assertFalse(html.contains("<script") || html.contains("<b>"), html);
    assertTrue(html.contains("<title>Distillation run &lt;b&gt;run&lt;/b&gt;</title>"), html);
    assertTrue(html.contains("a = &quot;&lt;x&gt;&quot;"), html);
    String md = report.markdown();
    assertTrue(md.contains("30x30-distilled\\<script\\>alert('x') \\& co\\</script\\>"), md);
    assertTrue(md.contains("No stage timings were recorded."), md);
  }

  @Test
  void summarizeGivesGainAndGapClosedPerSizeInParameterOrder() {
    List<ModelMetrics> shuffled = new ArrayList<>(realistic());
    Collections.reverse(shuffled);
    RunSummary summary = RunSummary.of(shuffled);
    assertEquals(List.of("30x30", "100x100", "300x300", "800x800"), summary.sizeNames());
    assertEquals("teacher", summary.teacher().orElseThrow().model());
    assertEquals(EXAMPLES, summary.testExamples());
    assertEquals(9, summary.models().size());
    for (Object[] s : SIZES) {
      RunSummary.SizeSummary size = summary.find((String) s[0]).orElseThrow();
      long base = (Long) s[2];
      long dist = (Long) s[3];
      assertEquals(base - dist, size.gain(), size.size());
      assertEquals(
          (double) (base - dist) / (base - TEACHER_ERRORS), size.gapClosed().getAsDouble(), 1e-12);
      assertEquals(size.size() + "-distilled", size.distilled().model());
      assertEquals(size.size() + "-baseline", size.baseline().model());
    }
    assertEquals(
        62.0 / 74.0, summary.find("800x800").orElseThrow().gapClosed().getAsDouble(), 1e-12);

    // A teacher no better than a baseline leaves no gap to close: n/a (denominator 0 for 800x800, <
    // 0 for 300x300).
    List<ModelMetrics> weakTeacher = new ArrayList<>(realistic());
    weakTeacher.set(0, teacher(143));
    RunSummary weak = RunSummary.of(weakTeacher);
    assertTrue(weak.find("800x800").orElseThrow().gapClosed().isEmpty());
    assertEquals("n/a", weak.find("800x800").orElseThrow().gapClosedText());
    assertEquals(
        62, weak.find("800x800").orElseThrow().gain(), "the gain does not need the teacher");
    assertEquals(
        (205.0 - 151) / (205 - 143),
        weak.find("100x100").orElseThrow().gapClosed().getAsDouble(),
        1e-12);
    List<ModelMetrics> weaker = new ArrayList<>(realistic());
    weaker.set(0, teacher(170));
    assertTrue(RunSummary.of(weaker).find("300x300").orElseThrow().gapClosed().isEmpty());
    String md = RunReport.of(facts(), weakTeacher).markdown();
    assertEquals("n/a", row(md, "800x800").get(6), md);

    // Without a teacher every gap closed is n/a; the report still renders.
    RunSummary none = RunSummary.of(realistic().subList(1, 9));
    assertTrue(none.teacher().isEmpty());
    assertTrue(none.sizes().stream().allMatch(s -> s.gapClosed().isEmpty()));
    String noTeacher = RunReport.of(facts(), realistic().subList(1, 9)).markdown();
    assertEquals("n/a", row(noTeacher, "30x30").get(6));
    assertTrue(noTeacher.contains("| Teacher errors | 67 | — (no teacher) |"), noTeacher);
  }

  @Test
  void unpairedStudentsAndDuplicateNamesAreRefusedByName() {
    List<ModelMetrics> noBaseline = new ArrayList<>(realistic());
    noBaseline.removeIf(m -> m.model().equals("300x300-baseline"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RunSummary.of(noBaseline));
    assertTrue(
        e.getMessage()
            .contains("size 300x300 has a distilled student ('300x300-distilled') but no baseline"),
        e.getMessage());

    List<ModelMetrics> noDistilled = new ArrayList<>(realistic());
    noDistilled.removeIf(m -> m.model().equals("100x100-distilled"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RunReport.of(facts(), noDistilled).writeTo(dir.toString(), new Configuration()));
    assertTrue(
        e.getMessage()
            .contains("size 100x100 has a baseline student ('100x100-baseline') but no distilled"),
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("report.md")), "nothing is written for refused metrics");

    List<ModelMetrics> duplicate = new ArrayList<>(realistic());
    ModelMetrics b = duplicate.get(2);
    duplicate.set(
        2,
        new ModelMetrics(
            "30x30-distilled",
            b.role(),
            b.size(),
            b.temperature(),
            b.alpha(),
            b.parameters(),
            b.serializedBytes(),
            b.forwardFlops(),
            b.testExamples(),
            b.testErrors(),
            b.testAccuracy(),
            b.teacherAgreement(),
            b.meanKlToTeacher(),
            b.latencyP50Millis(),
            b.latencyP95Millis(),
            b.throughputPerSecond(),
            b.trainingSeconds(),
            b.epochs(),
            b.distilledOnlyRight(),
            b.baselineOnlyRight()));
    e = assertThrows(IllegalArgumentException.class, () -> RunSummary.of(duplicate));
    assertTrue(e.getMessage().contains("Duplicate model name '30x30-distilled'"), e.getMessage());

    List<ModelMetrics> twoTeachers = new ArrayList<>(realistic());
    ModelMetrics t = teacher(70);
    twoTeachers.add(
        new ModelMetrics(
            "teacher-2",
            t.role(),
            t.size(),
            t.temperature(),
            t.alpha(),
            t.parameters(),
            t.serializedBytes(),
            t.forwardFlops(),
            t.testExamples(),
            t.testErrors(),
            t.testAccuracy(),
            t.teacherAgreement(),
            t.meanKlToTeacher(),
            t.latencyP50Millis(),
            t.latencyP95Millis(),
            t.throughputPerSecond(),
            t.trainingSeconds(),
            t.epochs(),
            t.distilledOnlyRight(),
            t.baselineOnlyRight()));
    e = assertThrows(IllegalArgumentException.class, () -> RunSummary.of(twoTeachers));
    assertTrue(e.getMessage().contains("two teachers, 'teacher' and 'teacher-2'"), e.getMessage());

    List<ModelMetrics> badRole = new ArrayList<>(realistic());
    badRole.add(model("x", "student", "8x8", 1, 1, 100, 5000, 0.5, 1, 1));
    e = assertThrows(IllegalArgumentException.class, () -> RunSummary.of(badRole));
    assertTrue(e.getMessage().contains("Model 'x' has role 'student'"), e.getMessage());

    List<ModelMetrics> otherSplit = new ArrayList<>(realistic());
    ModelMetrics o = otherSplit.get(3);
    otherSplit.set(
        3,
        new ModelMetrics(
            o.model(),
            o.role(),
            o.size(),
            o.temperature(),
            o.alpha(),
            o.parameters(),
            o.serializedBytes(),
            o.forwardFlops(),
            1_000,
            o.testErrors(),
            o.testAccuracy(),
            o.teacherAgreement(),
            o.meanKlToTeacher(),
            o.latencyP50Millis(),
            o.latencyP95Millis(),
            o.throughputPerSecond(),
            o.trainingSeconds(),
            o.epochs(),
            o.distilledOnlyRight(),
            o.baselineOnlyRight()));
    e = assertThrows(IllegalArgumentException.class, () -> RunSummary.of(otherSplit));
    assertTrue(e.getMessage().contains("1000 (100x100-distilled)"), e.getMessage());
  }

  @Test
  void aSweepWithoutHintonsStudentGetsOneLineInsteadOfHisTable() {
    // The teacher and the three smaller sizes: no 800x800 (as in the default sweep).
    String md = RunReport.of(facts(), realistic().subList(0, 7)).markdown();
    assertTrue(md.contains("## Beside Hinton et al. (2015)"), md);
    assertTrue(
        md.contains(
            "This run has no 800x800 student to set beside theirs (conf/mnist.conf has one); its"
                + " teacher's test errors: 69, theirs 67."),
        md);
    assertFalse(md.contains("| Teacher errors |"), "no table of dashes: " + md);
    assertFalse(md.contains("800x800 student, hard labels"), md);
  }

  @Test
  void rewritesAnEarlierReportOnAFileUri() throws Exception {
    String uri = dir.resolve("runs/r1/report").toUri().toString(); // file:///...
    RunReport.of(facts(), realistic()).writeTo(uri, new Configuration());
    List<ModelMetrics> oneSize = realistic().subList(0, 3);
    RunReport.Output out = RunReport.of(facts(), oneSize).writeTo(uri, new Configuration());
    String md = Files.readString(dir.resolve("runs/r1/report/report.md"));
    assertTrue(
        md.contains("| 30x30 |") && !md.contains("| 800x800 |"),
        "the second report replaced the first");
    try (Stream<Path> files = Files.list(dir.resolve("runs/r1/report"))) {
      assertEquals(3, files.count());
    }
    assertTrue(out.directory().startsWith("file:"), out.directory());

    Files.writeString(dir.resolve("a-file"), "x");
    Exception e =
        assertThrows(
            UncheckedIOException.class,
            () ->
                RunReport.of(facts(), realistic())
                    .writeTo(dir.resolve("a-file").toString(), new Configuration()));
    assertTrue(
        e.getMessage().contains("a-file") && e.getMessage().contains("not a directory"),
        e.getMessage());
  }

  static String hex(int rgb) {
    return String.format("#%06x", rgb & 0xFFFFFF);
  }

  static boolean near(BufferedImage image, double x, double y, int rgb) {
    for (int dx = -2; dx <= 2; dx++) {
      for (int dy = -2; dy <= 2; dy++) {
        if (image.getRGB((int) Math.round(x) + dx, (int) Math.round(y) + dy) == rgb) {
          return true;
        }
      }
    }
    return false;
  }

  static int count(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (image.getRGB(x, y) == rgb) {
          n++;
        }
      }
    }
    return n;
  }

  static int distinctColours(BufferedImage image) {
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
  }
}
