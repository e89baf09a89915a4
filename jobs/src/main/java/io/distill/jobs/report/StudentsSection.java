package io.distill.jobs.report;

import static io.distill.jobs.report.Formats.NONE;
import static io.distill.jobs.report.Formats.count;
import static io.distill.jobs.report.Formats.fixed;
import static io.distill.jobs.report.Formats.number;
import static io.distill.jobs.report.Formats.pValue;
import static io.distill.jobs.report.Formats.percent;
import static io.distill.jobs.report.Formats.seconds;
import static io.distill.jobs.report.Formats.significant;

import io.distill.jobs.report.MarkdownDocument.Row;
import io.distill.student.ModelMetrics;
import io.distill.student.PairedComparison;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The report's students against their baselines: per size the two models' test errors, the gain,
 * the paired counts with McNemar's p, the share of the baseline→teacher gap closed, agreement and
 * KL with the teacher, then what each size costs (bytes, latency, throughput, training time), the
 * teacher in a row of its own.
 */
final class StudentsSection {
  private StudentsSection() {}

  static void write(
      MarkdownDocument md,
      List<RunSummary.SizeSummary> sizes,
      Optional<ModelMetrics> teacher,
      long examples) {
    md.heading(2, "Students against their baselines");
    if (sizes.isEmpty()) {
      md.paragraph("The run has no students.");
      return;
    }
    md.paragraph(
        "Errors out of "
            + count(examples)
            + " test examples (accuracy in brackets). Gain = baseline"
            + " errors − distilled errors; gap closed = gain / (baseline errors − teacher errors), n/a where that"
            + " denominator is not positive"
            + (teacher.isPresent() ? "" : " (this run has no teacher)")
            + ". Agreement"
            + " = share of test examples where the model's argmax equals the teacher's; KL = mean KL(teacher ‖ model)"
            + " at T = 1, in nats. Paired = the test examples only the distilled student gets right / only its"
            + " baseline gets right (their difference is the gain), and McNemar's exact p: how often two equally good"
            + " models would differ at least this much on these examples; p ≥ "
            + fixed(PairedComparison.SIGNIFICANCE, 2)
            + " is within the noise of this test split (another seed or search draw adds its own spread).");
    List<Row> rows = new ArrayList<>();
    List<Row> costs = new ArrayList<>();
    for (RunSummary.SizeSummary s : sizes) {
      ModelMetrics d = s.distilled();
      ModelMetrics b = s.baseline();
      String params =
          count(d.parameters())
              + (b.parameters() != d.parameters()
                  ? " (baseline " + count(b.parameters()) + ")"
                  : "");
      rows.add(
          new Row(
              false,
              s.size(),
              params,
              errors(b),
              errors(d)
                  + (d.alpha() == 1.0
                      ? "; hard labels (α=1)"
                      : "; T=" + number(d.temperature()) + ", α=" + number(d.alpha())),
              count(s.gain()),
              paired(d),
              s.gapClosedText(),
              percent(b.teacherAgreement(), 2),
              percent(d.teacherAgreement(), 2),
              fixed(b.meanKlToTeacher(), 4),
              fixed(d.meanKlToTeacher(), 4)));
      costs.add(
          new Row(
              false,
              s.size(),
              params,
              count(d.serializedBytes()),
              significant(d.latencyP50Millis()) + " / " + significant(d.latencyP95Millis()),
              fixed(d.throughputPerSecond(), 0),
              seconds(d.trainingSeconds()) + " / " + seconds(b.trainingSeconds())));
    }
    teacher.ifPresent(
        t -> {
          rows.add(
              new Row(
                  true,
                  teacherLabel(t),
                  count(t.parameters()),
                  NONE,
                  errors(t),
                  NONE,
                  NONE,
                  NONE,
                  NONE,
                  NONE,
                  NONE,
                  NONE));
          costs.add(
              new Row(
                  true,
                  teacherLabel(t),
                  count(t.parameters()),
                  count(t.serializedBytes()),
                  significant(t.latencyP50Millis()) + " / " + significant(t.latencyP95Millis()),
                  fixed(t.throughputPerSecond(), 0),
                  seconds(t.trainingSeconds())));
        });
    boolean[] numeric = new boolean[11];
    Arrays.fill(numeric, 1, 11, true);
    md.table(
        List.of(
            "Size",
            "Parameters",
            "Baseline errors",
            "Distilled errors (T, α)",
            "Gain",
            "Paired (p)",
            "Gap closed",
            "Agreement, baseline",
            "Agreement, distilled",
            "KL, baseline",
            "KL, distilled"),
        numeric,
        rows);
    if (teacher.isPresent()) {
      md.paragraph("The teacher's row gives its errors in the distilled-errors column.");
    }
    List<String> hardLabels =
        sizes.stream()
            .filter(s -> s.distilled().alpha() == 1.0)
            .map(RunSummary.SizeSummary::size)
            .toList();
    if (!hardLabels.isEmpty()) {
      boolean one = hardLabels.size() == 1;
      md.paragraph(
          (one ? "The \"distilled\" student of " : "The \"distilled\" students of ")
              + (one
                  ? hardLabels.get(0)
                  : String.join(", ", hardLabels.subList(0, hardLabels.size() - 1))
                      + " and "
                      + hardLabels.get(hardLabels.size() - 1))
              + (one ? " learns" : " learn")
              + " from hard labels only (α = 1), as the settings search sets it where no distilled"
              + " setting beats the hard-label ones on validation: distillation is not used for "
              + (hardLabels.size() == 1 ? "this size" : "these sizes")
              + ", and any difference from "
              + (one ? "its baseline" : "their baselines")
              + " comes from the other settings (learning rate, decay, seed).");
    }
    md.heading(3, "What each size costs")
        .paragraph(
            "The distilled student's bytes (its DL4J zip), latency (one"
                + " example per call) and throughput (batches, one JVM); its baseline has the same architecture (every"
                + " model's figures are in the full table below). Training seconds: distilled / baseline.");
    boolean[] costNumeric = new boolean[6];
    Arrays.fill(costNumeric, 1, 6, true);
    md.table(
        List.of(
            "Size", "Parameters", "Bytes", "Latency p50 / p95 ms", "Throughput /s", "Training s"),
        costNumeric,
        costs);
  }

  /** "120 / 103 (p 0.282)": a distilled student's paired counts on the test rows, or "—". */
  private static String paired(ModelMetrics distilled) {
    return distilled
        .paired()
        .map(
            p ->
                count(p.distilledOnlyRight())
                    + " / "
                    + count(p.baselineOnlyRight())
                    + " (p "
                    + pValue(p.exactP())
                    + ")")
        .orElse(NONE);
  }

  private static String errors(ModelMetrics m) {
    return count(m.testErrors()) + " (" + percent(m.testAccuracy(), 2) + ")";
  }

  /** "teacher 1200x1200", or "teacher" when the teacher's size is not given. */
  private static String teacherLabel(ModelMetrics teacher) {
    return teacher.size() == null || teacher.size().isBlank()
        ? "teacher"
        : "teacher " + teacher.size();
  }
}
