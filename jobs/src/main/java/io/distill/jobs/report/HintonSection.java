package io.distill.jobs.report;

import static io.distill.jobs.report.Formats.NONE;
import static io.distill.jobs.report.Formats.count;
import static io.distill.jobs.report.Formats.fixed;
import static io.distill.jobs.report.Formats.number;
import static io.distill.jobs.report.Formats.percent;

import io.distill.jobs.report.MarkdownDocument.Row;
import io.distill.student.ModelMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The report's comparison with Hinton et al. (2015)'s MNIST figures ({@link HintonReference}): the
 * run's teacher and its {@value HintonReference#SIZE} students (mean over seeds) beside theirs,
 * counts scaled to their 10,000 test images when the run's test split has another size; one line
 * when the run has no student of that size.
 */
final class HintonSection {
  private HintonSection() {}

  static void write(
      MarkdownDocument md, RunSummary summary, Optional<ModelMetrics> teacher, long examples) {
    long n = HintonReference.TEST_EXAMPLES;
    md.heading(2, "Beside Hinton et al. (2015)")
        .paragraph(
            "Hinton, Vinyals and Dean, \"Distilling the Knowledge in a"
                + " Neural Network\" (2015), section 3, on MNIST's "
                + count(n)
                + " test images: a large teacher (two hidden"
                + " layers of 1200 units, dropout, jittered inputs) made "
                + HintonReference.TEACHER_ERRORS
                + " errors; an "
                + HintonReference.SIZE
                + " student trained on the hard labels alone made "
                + HintonReference.BASELINE_ERRORS
                + "; the same student distilled at T="
                + HintonReference.TEMPERATURE
                + " made "
                + HintonReference.DISTILLED_ERRORS
                + "."
                + (examples >= 0 && examples != n
                    ? " This run's test split has "
                        + count(examples)
                        + " examples, so its counts are also given per "
                        + count(n)
                        + "."
                    : ""));
    Optional<RunSummary.ShapeSummary> ours = summary.findShape(HintonReference.SIZE);
    if (ours.isEmpty()) {
      // A table of dashes says nothing: one line instead (the default sweep has no 800x800).
      md.paragraph(
          "This run has no "
              + HintonReference.SIZE
              + " student to set beside theirs (conf/mnist.conf has one)"
              + teacher
                  .map(
                      t ->
                          "; its teacher's test errors: "
                              + errorsPer(t.testErrors(), examples)
                              + ", theirs "
                              + HintonReference.TEACHER_ERRORS)
                  .orElse("")
              + ".");
      return;
    }
    RunSummary.ShapeSummary s = ours.get();
    List<Row> rows = new ArrayList<>();
    rows.add(
        new Row(
            false,
            "Teacher errors",
            Long.toString(HintonReference.TEACHER_ERRORS),
            teacher.map(t -> errorsPer(t.testErrors(), examples)).orElse(NONE + " (no teacher)")));
    rows.add(
        new Row(
            false,
            HintonReference.SIZE + " student, hard labels",
            Long.toString(HintonReference.BASELINE_ERRORS),
            meanErrors(s.baselineMean(), s.seeds().size(), examples)));
    rows.add(
        new Row(
            false,
            HintonReference.SIZE + " student, distilled",
            HintonReference.DISTILLED_ERRORS + " (T=" + HintonReference.TEMPERATURE + ")",
            meanErrors(s.distilledMean(), s.seeds().size(), examples)
                + " (T="
                + number(s.temperature())
                + ", α="
                + number(s.alpha())
                + ")"));
    rows.add(
        new Row(
            false,
            "Gain",
            Long.toString(HintonReference.BASELINE_ERRORS - HintonReference.DISTILLED_ERRORS),
            fixed(s.baselineMean() - s.distilledMean(), s.seeds().size() > 1 ? 1 : 0)));
    rows.add(
        new Row(
            false,
            "Gap closed",
            percent(HintonReference.gapClosed(), 1),
            s.gapClosed(teacher).isPresent()
                ? percent(s.gapClosed(teacher).getAsDouble(), 1)
                : NONE));
    md.table(
        List.of("", "Hinton et al. (2015)", "This run"), new boolean[] {false, true, true}, rows);
  }

  private static String errorsPer(long errors, long examples) {
    long n = HintonReference.TEST_EXAMPLES;
    if (examples <= 0 || examples == n) {
      return count(errors);
    }
    return count(errors)
        + " ("
        + fixed((double) errors * n / examples, 0)
        + " per "
        + count(n)
        + ")";
  }

  /**
   * Errors of one seed as {@link #errorsPer}; of several, their mean ("mean 81.3 over 3 seeds").
   */
  private static String meanErrors(double mean, int seeds, long examples) {
    if (seeds == 1) {
      return errorsPer(Math.round(mean), examples);
    }
    long n = HintonReference.TEST_EXAMPLES;
    String per =
        examples <= 0 || examples == n
            ? ""
            : " (" + fixed(mean * n / examples, 1) + " per " + count(n) + ")";
    return "mean " + fixed(mean, 1) + per + " over " + seeds + " seeds";
  }
}
