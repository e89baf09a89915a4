package io.distill.jobs.report;

import static io.distill.jobs.report.RunReportTest.count;
import static io.distill.jobs.report.RunReportTest.hex;
import static io.distill.jobs.report.RunReportTest.model;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.student.ModelMetrics;
import java.awt.Rectangle;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The chart's awkward cases: one size, identical accuracies, no teacher, perfect accuracy, no
 * models.
 */
class RunReportChartTest {
  static final int DISTILLED = AccuracyChart.DISTILLED_COLOR.getRGB();
  static final int BASELINE = AccuracyChart.BASELINE_COLOR.getRGB();
  static final int TEACHER = AccuracyChart.TEACHER_COLOR.getRGB();

  static AccuracyChart chart(List<ModelMetrics> metrics) {
    return AccuracyChart.of(RunSummary.of(metrics), "test");
  }

  static void assertInside(AccuracyChart chart, ModelMetrics m) {
    Point2D p = chart.pixel(m.parameters(), m.testAccuracy());
    Rectangle plot = chart.plotArea();
    assertTrue(
        p.getX() >= plot.x
            && p.getX() <= plot.x + plot.width
            && p.getY() >= plot.y
            && p.getY() <= plot.y + plot.height,
        m.model() + " at " + p + " in " + plot);
  }

  static int at(BufferedImage image, AccuracyChart chart, ModelMetrics m) {
    Point2D p = chart.pixel(m.parameters(), m.testAccuracy());
    return image.getRGB((int) p.getX(), (int) p.getY());
  }

  @Test
  void oneSizeWithIdenticalAccuraciesAndNoTeacher() throws Exception {
    ModelMetrics d =
        model(
            "800x800-distilled",
            ModelMetrics.DISTILLED,
            "800x800",
            20,
            0.1,
            1_276_810,
            120,
            0.99,
            0.03,
            100);
    ModelMetrics b =
        model(
            "800x800-baseline",
            ModelMetrics.BASELINE,
            "800x800",
            Double.NaN,
            1,
            1_276_810,
            120,
            0.98,
            0.05,
            90);
    AccuracyChart chart = chart(List.of(d, b));
    double[] y = chart.accuracyRange();
    assertTrue(
        y[0] < 98.8 && 98.8 < y[1] && y[1] - y[0] >= 0.5,
        "a range around the one accuracy: " + y[0] + ".." + y[1]);
    double[] x = chart.parameterRange();
    assertTrue(
        x[0] < 1_276_810 && 1_276_810 < x[1] && x[1] / x[0] >= 9.9,
        "a decade around it: " + x[0] + ".." + x[1]);
    assertInside(chart, d);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(AccuracyChart.png(chart.render())));
    assertEquals(AccuracyChart.WIDTH, image.getWidth());
    assertEquals(
        hex(DISTILLED),
        hex(at(image, chart, d)),
        "the distilled marker is drawn over its baseline's");
    assertTrue(
        count(image, BASELINE) > 30, "the baseline's marker shows around it, and in the legend");
    assertEquals(0, count(image, TEACHER), "no teacher, not even in the legend");
  }

  @Test
  void perfectAccuracyAndAWideParameterRangeStayInside() {
    ModelMetrics t =
        model("teacher", ModelMetrics.TEACHER, "big", Double.NaN, 1, 300_000_000, 0, 1, 0, 10);
    ModelMetrics d1 =
        model("tiny-distilled", ModelMetrics.DISTILLED, "tiny", 4, 0.5, 120, 4_000, 0.6, 1, 1);
    ModelMetrics b1 =
        model(
            "tiny-baseline",
            ModelMetrics.BASELINE,
            "tiny",
            Double.NaN,
            1,
            120,
            4_500,
            0.55,
            1.2,
            1);
    ModelMetrics d2 =
        model("mid-distilled", ModelMetrics.DISTILLED, "mid", 4, 0.5, 50_000, 300, 0.97, 0.1, 1);
    ModelMetrics b2 =
        model(
            "mid-baseline", ModelMetrics.BASELINE, "mid", Double.NaN, 1, 50_000, 200, 0.97, 0.1, 1);
    AccuracyChart chart = chart(List.of(t, d1, b1, d2, b2));
    BufferedImage image = chart.render();
    for (ModelMetrics m : List.of(t, d1, b1, d2, b2)) {
      assertInside(chart, m);
    }
    assertEquals(hex(TEACHER), hex(at(image, chart, t)));
    assertEquals(hex(DISTILLED), hex(at(image, chart, d1)));
    assertEquals(
        hex(BASELINE), hex(at(image, chart, b2)), "a baseline better than its distilled student");
  }

  @Test
  void aTeacherAloneAndNoModelsAtAllStillDraw() {
    ModelMetrics t =
        model("teacher", ModelMetrics.TEACHER, "1200x1200", Double.NaN, 1, 2_395_210, 69, 1, 0, 10);
    AccuracyChart alone = chart(List.of(t));
    BufferedImage image = alone.render();
    assertEquals(hex(TEACHER), hex(at(image, alone, t)));
    int legendOnly = count(image, DISTILLED);
    assertTrue(
        legendOnly > 0 && legendOnly < 300, "no students to draw, the legend only: " + legendOnly);

    ModelMetrics unnamed =
        model("teacher", ModelMetrics.TEACHER, null, Double.NaN, 1, 2_395_210, 69, 1, 0, 10);
    assertEquals(
        hex(TEACHER),
        hex(at(chart(List.of(unnamed)).render(), alone, unnamed)),
        "a teacher without size");
    String teacherOnly =
        RunReport.of(new RunFacts("t", null, null, null, null, null), List.of(unnamed)).markdown();
    assertTrue(teacherOnly.contains("| teacher | teacher | — |"), teacherOnly);

    BufferedImage empty = chart(List.of()).render();
    assertEquals(AccuracyChart.HEIGHT, empty.getHeight());
    assertTrue(
        RunReportTest.distinctColours(empty) > 10,
        "axes, title and the 'no models' note are drawn");
    String md =
        RunReport.of(new RunFacts("empty", null, null, null, null, null), List.of()).markdown();
    assertTrue(
        md.contains("The run has no students.") && md.contains("No configuration was recorded."),
        md);
  }
}
