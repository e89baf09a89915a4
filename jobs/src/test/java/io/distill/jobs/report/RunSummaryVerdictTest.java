package io.distill.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.student.ModelMetrics;
import io.distill.student.PairedComparison;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The report's first sentence: wins, ties and losses, then the smallest distilled student's cost
 * beside the teacher's (forward flops first), then the most accurate one's.
 */
class RunSummaryVerdictTest {

  private static String pct(double share) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  @Test
  void leadsWithTheSmallestStudentsFlopsParametersAndThroughput() {
    List<ModelMetrics> metrics = RunReportTest.realistic();
    ModelMetrics t = metrics.get(0);
    ModelMetrics small = metrics.get(1); // 30x30-distilled
    ModelMetrics mid = metrics.get(3); // 100x100-distilled, the smallest that keeps 99%
    ModelMetrics large = metrics.get(7); // 800x800-distilled
    assertEquals("30x30-distilled", small.model());
    assertEquals("800x800-distilled", large.model());
    String verdict = RunSummary.of(metrics, Map.of()).verdict();
    double tAcc = t.testAccuracy();
    String expected =
        "Distilled students beat their hard-label baselines at 4 of 4 sizes. The smallest distilled"
            + " student, 30x30 ("
            + pct(small.forwardFlops() / t.forwardFlops())
            + " of its forward flops, "
            + pct((double) small.parameters() / t.parameters())
            + " of its parameters, "
            + String.format(
                Locale.ROOT, "%.1f", small.throughputPerSecond() / t.throughputPerSecond())
            + "× its examples per second), keeps "
            + pct(small.testAccuracy() / tAcc)
            + " of the teacher's accuracy; the most accurate, 800x800 ("
            + pct(large.forwardFlops() / t.forwardFlops())
            + " of its forward flops, "
            + pct((double) large.parameters() / t.parameters())
            + " of its parameters, "
            + String.format(
                Locale.ROOT, "%.1f", large.throughputPerSecond() / t.throughputPerSecond())
            + "× its examples per second), keeps "
            + pct(large.testAccuracy() / tAcc)
            + ". The smallest that keeps 99% of the teacher's accuracy: 100x100 ("
            + pct(mid.forwardFlops() / t.forwardFlops())
            + " of its forward flops, "
            + pct((double) mid.parameters() / t.parameters())
            + " of its parameters, "
            + String.format(
                Locale.ROOT, "%.1f", mid.throughputPerSecond() / t.throughputPerSecond())
            + "× its examples per second).";
    assertTrue(small.testAccuracy() / tAcc < 0.99 && mid.testAccuracy() / tAcc >= 0.99);
    assertEquals(expected, verdict);
  }

  @Test
  void countsTiesAndLosses() {
    List<ModelMetrics> metrics = new ArrayList<>(RunReportTest.realistic());
    // 30x30: distilled as the baseline; 100x100: distilled worse
    ModelMetrics m1 = metrics.get(1);
    ModelMetrics m3 = metrics.get(3);
    metrics.set(
        1,
        RunReportTest.copy(
            m1, m1.model(), m1.temperature(), m1.alpha(), metrics.get(2).testErrors()));
    metrics.set(
        3,
        RunReportTest.copy(
            m3, m3.model(), m3.temperature(), m3.alpha(), metrics.get(4).testErrors() + 5));
    String verdict = RunSummary.of(metrics, Map.of()).verdict();
    assertTrue(
        verdict.startsWith(
            "Distilled students beat their hard-label baselines at 2 of 4 sizes, tie at 1 and lose"
                + " at 1."),
        verdict);
  }

  /**
   * With the paired counts of one seed per size, the verdict says how many wins and losses go
   * beyond the test split's noise (McNemar's exact test; p values in PairedComparisonTest's way: 40
   * / 30 → 0.28, 20 / 25 → 0.55, 70 / 7 → 3.5e-14, 120 / 58 → 3.9e-6), and the table gives each
   * size's.
   */
  @Test
  void saysWhichWinsAreBeyondTheTestSplitsNoise() {
    List<ModelMetrics> metrics = new ArrayList<>(RunReportTest.realistic());
    long[][] paired = {{40, 30}, {20, 25}, {70, 7}, {120, 58}}; // 30x30, 100x100, 300x300, 800x800
    for (int s = 0; s < 4; s++) {
      int at = 1 + 2 * s;
      ModelMetrics d = metrics.get(at);
      long baselineErrors = metrics.get(at + 1).testErrors();
      long distilledErrors = baselineErrors - (paired[s][0] - paired[s][1]);
      metrics.set(
          at,
          RunReportTest.copy(d, d.model(), d.temperature(), d.alpha(), distilledErrors)
              .withPaired(new PairedComparison(paired[s][0], paired[s][1])));
    }
    String verdict = RunSummary.of(metrics, Map.of()).verdict();
    assertTrue(
        verdict.startsWith(
            "Distilled students beat their hard-label baselines at 3 of 4 sizes, tie at 0 and lose"
                + " at 1; beyond the test split's noise (McNemar p < 0.05): 2 of the 3 wins, not the"
                + " loss."),
        verdict);
    String md = RunReport.of(RunReportTest.facts(), metrics).markdown();
    assertTrue(md.contains("| 40 / 30 (p 0.282) |"), md);
    assertTrue(md.contains("| 70 / 7 (p \\< 0.001) |"), md); // Markdown escapes <
    assertTrue(md.contains("| 20 / 25 (p 0.551) |"), md);
  }

  @Test
  void saysNothingOfNoiseWithoutPairedCounts() {
    String verdict = RunSummary.of(RunReportTest.realistic(), Map.of()).verdict();
    assertFalse(verdict.contains("McNemar"), verdict); // RunReportTest: the Paired cells read —
  }
}
