package io.distill.jobs.report;

import static io.distill.jobs.report.Formats.NONE;
import static io.distill.jobs.report.Formats.count;
import static io.distill.jobs.report.Formats.fixed;
import static io.distill.jobs.report.Formats.number;
import static io.distill.jobs.report.Formats.orNone;
import static io.distill.jobs.report.Formats.pValue;
import static io.distill.jobs.report.Formats.percent;
import static io.distill.jobs.report.Formats.seconds;
import static io.distill.jobs.report.Formats.significant;

import io.distill.core.HadoopFiles;
import io.distill.jobs.report.MarkdownDocument.Row;
import io.distill.student.ModelMetrics;
import io.distill.student.PairedComparison;
import io.distill.student.SearchSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * A run's human report: {@value #MARKDOWN_FILE}, {@value #HTML_FILE} (the same content as one
 * standalone page, rendered from the Markdown with commonmark-java; inline CSS, no external
 * resources) and the chart {@value #CHART_FILE} ({@link AccuracyChart}), written into a directory
 * on any Hadoop file system.
 *
 * <p>It leads with the verdict ({@link RunSummary#verdict()}), then shows the run's facts (dataset
 * and split sizes), its stage timings, one line per student size (baseline against distilled
 * student: errors, the distillation gain, the share of the baseline→teacher gap closed, agreement
 * and KL with the teacher, bytes, latency, throughput, training time) and a row for the teacher;
 * per shape the mean and spread over seeds when a shape has several; Hinton et al. (2015)'s MNIST
 * figures beside the run's ({@link HintonReference}); every metric of every model; and the resolved
 * configuration.
 *
 * <p>On a checksummed file system (file://) the files are written without Hadoop's {@code .crc}
 * companions, so the directory holds only what people open. Each file is written to a hidden
 * temporary name and renamed into place.
 */
public final class RunReport {
  public static final String MARKDOWN_FILE = "report.md";
  public static final String HTML_FILE = "report.html";
  public static final String CHART_FILE = "accuracy-vs-parameters.png";

  private static final List<Extension> MARKDOWN = List.of(TablesExtension.create());
  private static final String CSS =
      String.join(
          "\n",
          "body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; margin: 2em;",
          "  color: #1f2328; line-height: 1.45; }",
          "h1 { font-size: 1.7em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }",
          "h2 { font-size: 1.3em; margin-top: 1.6em; }",
          "p { max-width: 60em; }",
          ".scroll { overflow-x: auto; max-width: 100%; }",
          "table { border-collapse: collapse; font-size: .9em; margin: .5em 0 1em; }",
          "th, td { border: 1px solid #d0d7de; padding: .3em .6em; vertical-align: top; }",
          "th { background: #f6f8fa; text-align: left; }",
          "td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }",
          "td.num { white-space: nowrap; }",
          "tbody tr:nth-child(even) td { background: #fbfbfc; }",
          "pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 1em; overflow-x: auto; font-size: .85em; }",
          "img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }",
          "");

  private final RunFacts facts;
  private final RunSummary summary;

  private RunReport(RunFacts facts, RunSummary summary) {
    this.facts = facts;
    this.summary = summary;
  }

  /** A report over {@code summary}. */
  public static RunReport of(RunFacts facts, RunSummary summary) {
    return new RunReport(
        Objects.requireNonNull(facts, "facts"), Objects.requireNonNull(summary, "summary"));
  }

  /** A report over {@code metrics}, every size its own shape ({@link RunSummary#of(List)}). */
  public static RunReport of(RunFacts facts, List<ModelMetrics> metrics) {
    return of(facts, RunSummary.of(metrics));
  }

  public RunFacts facts() {
    return facts;
  }

  public RunSummary summary() {
    return summary;
  }

  /** The Markdown report (refers to the chart as {@value #CHART_FILE} beside it). */
  public String markdown() {
    MarkdownDocument md = new MarkdownDocument();
    List<RunSummary.SizeSummary> sizes = summary.sizes();
    Optional<ModelMetrics> teacher = summary.teacher();
    long examples = summary.testExamples();
    md.heading(1, title());
    if (facts.checks() != null) { // a weaker teacher is the first thing a reader must know
      for (String paragraph : facts.checks().split("\n\n")) {
        md.markdown(Formats.markdown(paragraph));
      }
    }
    md.markdown("**" + Formats.markdown(summary.verdict()) + "**");
    md.heading(2, "Run")
        .table(
            List.of("Fact", "Value"),
            new boolean[] {false, false},
            List.of(
                new Row(false, "Run id", facts.runId()),
                new Row(false, "Run directory", orNone(facts.runDir())),
                new Row(false, "Dataset", orNone(facts.dataset())),
                new Row(false, "Teacher", orNone(facts.teacher())),
                new Row(false, "Test examples", examples < 0 ? NONE : count(examples)),
                new Row(
                    false,
                    "Models",
                    summary.models().size()
                        + " ("
                        + (teacher.isPresent() ? "a teacher, " : "no teacher, ")
                        + sizes.size()
                        + " student size"
                        + (sizes.size() == 1 ? "" : "s")
                        + ", each distilled and baseline)"),
                new Row(false, "Stage time, total", seconds(totalStageSeconds()) + " s")));
    md.heading(2, "Where the time goes");
    if (facts.stageSeconds().isEmpty()) {
      md.paragraph("No stage timings were recorded.");
    } else {
      double total = totalStageSeconds();
      List<Row> rows = new ArrayList<>();
      facts
          .stageSeconds()
          .forEach(
              (stage, s) -> {
                StageWork w = facts.stageWork().get(stage);
                boolean timed = s != null && Double.isFinite(s) && s > 0;
                rows.add(
                    new Row(
                        false,
                        stage,
                        seconds(s),
                        timed && total > 0 ? percent(s / total, 1) : NONE,
                        w == null ? NONE : count(w.count()) + " " + w.unit(),
                        w == null || !timed ? NONE : fixed(w.count() / s, 0),
                        w == null || !timed ? NONE : fixed(w.flops() / s / 1e9, 1)));
              });
      rows.add(
          new Row(true, "total", seconds(total), total > 0 ? percent(1, 1) : NONE, "", "", ""));
      md.table(
          List.of("Stage", "Seconds", "Share", "Work", "Per second", "GFLOP/s"),
          new boolean[] {false, true, true, true, true, true},
          rows);
      md.paragraph(
          "Seconds are each stage's wall time, end to end (reading, checking, writing and Spark's own work"
              + " included); GFLOP/s counts the models' multiply-adds (2 flops per weight and output position, a training"
              + " step as 3 forward passes), so it can be set against the machine's GEMM peak.");
    }
    studentsTable(md, sizes, teacher, examples);
    seedsTable(md, teacher);
    md.heading(2, "Accuracy against parameters")
        .image(
            CHART_FILE,
            "Test accuracy (%) against parameters (log scale):"
                + " distilled students, hard-label baselines"
                + (teacher.isPresent() ? " and the teacher" : ""));
    hintonTable(md, teacher, examples);
    SearchSection.write(md, facts.searches());
    allMetrics(md);
    md.heading(2, "Configuration");
    if (facts.configuration().isBlank()) {
      md.paragraph("No configuration was recorded.");
    } else {
      md.code(facts.configuration());
    }
    return md.toString();
  }

  private static void studentsTable(
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

  /** Per shape over its seeds, when some shape was trained with several seeds. */
  private void seedsTable(MarkdownDocument md, Optional<ModelMetrics> teacher) {
    if (summary.shapes().stream().allMatch(s -> s.seeds().size() == 1)) {
      return;
    }
    md.heading(2, "Over seeds")
        .paragraph(
            "Test errors per shape as mean ± sample standard deviation over the sizes"
                + " listed with different seeds; gap closed on the means.");
    List<Row> rows = new ArrayList<>();
    for (RunSummary.ShapeSummary s : summary.shapes()) {
      OptionalDouble gap = s.gapClosed(teacher);
      rows.add(
          new Row(
              false,
              s.shape(),
              number(s.temperature()),
              number(s.alpha()),
              Integer.toString(s.seeds().size()),
              fixed(s.baselineMean(), 1) + " ± " + fixed(s.baselineSd(), 1),
              fixed(s.distilledMean(), 1) + " ± " + fixed(s.distilledSd(), 1),
              gap.isPresent() ? percent(gap.getAsDouble(), 1) : Formats.NA));
    }
    md.table(
        List.of("Shape", "T", "α", "Seeds", "Baseline errors", "Distilled errors", "Gap closed"),
        new boolean[] {false, true, true, true, true, true, true},
        rows);
  }

  private void hintonTable(MarkdownDocument md, Optional<ModelMetrics> teacher, long examples) {
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

  private void allMetrics(MarkdownDocument md) {
    md.heading(2, "All metrics");
    List<Row> rows = new ArrayList<>();
    for (ModelMetrics m : summary.models()) {
      rows.add(
          new Row(
              false,
              m.model(),
              m.role(),
              m.size(),
              number(m.temperature()),
              number(m.alpha()),
              count(m.parameters()),
              count(m.serializedBytes()),
              count(m.testExamples()),
              count(m.testErrors()),
              percent(m.testAccuracy(), 2),
              percent(m.teacherAgreement(), 2),
              fixed(m.meanKlToTeacher(), 4),
              significant(m.latencyP50Millis()),
              significant(m.latencyP95Millis()),
              fixed(m.throughputPerSecond(), 0),
              seconds(m.trainingSeconds()),
              Integer.toString(m.epochs())));
    }
    boolean[] numeric = new boolean[17];
    Arrays.fill(numeric, 3, 17, true);
    md.table(
        List.of(
            "Model",
            "Role",
            "Size",
            "T",
            "α",
            "Parameters",
            "Bytes",
            "Test examples",
            "Errors",
            "Accuracy",
            "Teacher agreement",
            "Mean KL to teacher",
            "Latency p50 ms",
            "Latency p95 ms",
            "Throughput /s",
            "Training s",
            "Epochs"),
        numeric,
        rows);
  }

  /**
   * The HTML report: the Markdown rendered by commonmark-java into one standalone page with inline
   * CSS.
   */
  public String html() {
    Parser parser = Parser.builder().extensions(MARKDOWN).build();
    HtmlRenderer renderer =
        HtmlRenderer.builder()
            .extensions(MARKDOWN)
            .escapeHtml(true)
            .attributeProviderFactory(
                context ->
                    (node, tag, attributes) -> {
                      if (node instanceof TableCell cell
                          && cell.getAlignment() == TableCell.Alignment.RIGHT) {
                        attributes.remove("align");
                        attributes.put("class", "num");
                      }
                    })
            .build();
    String body =
        renderer
            .render(parser.parse(markdown()))
            .replace("<table>", "<div class=\"scroll\"><table>")
            .replace("</table>", "</table></div>");
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + "<title>"
        + escape(title())
        + "</title>\n<style>\n"
        + CSS
        + "</style>\n</head>\n<body>\n"
        + body
        + "</body>\n</html>\n";
  }

  /** The chart of test accuracy against parameters. */
  public AccuracyChart chart() {
    return AccuracyChart.of(summary, "Test accuracy against parameters, run " + facts.runId());
  }

  /**
   * Writes {@value #MARKDOWN_FILE}, {@value #HTML_FILE} and {@value #CHART_FILE} into {@code
   * directory} (any Hadoop file system path; created if missing), replacing earlier files of those
   * names.
   */
  public Output writeTo(String directory, Configuration conf) {
    byte[] md = markdown().getBytes(StandardCharsets.UTF_8);
    byte[] page = html().getBytes(StandardCharsets.UTF_8);
    byte[] png = AccuracyChart.png(chart().render());
    try {
      Path dir = new Path(directory);
      FileSystem fs = dir.getFileSystem(conf);
      dir = fs.makeQualified(dir);
      if (fs.exists(dir) && !fs.getFileStatus(dir).isDirectory()) {
        throw new IOException("it is a file, not a directory");
      } else if (!fs.exists(dir) && !fs.mkdirs(dir)) {
        throw new IOException("cannot create the directory");
      }
      return new Output(
          dir.toString(),
          publish(conf, dir, MARKDOWN_FILE, md),
          publish(conf, dir, HTML_FILE, page),
          publish(conf, dir, CHART_FILE, png));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the run report to " + directory + ": " + e.getMessage(), e);
    }
  }

  private static String publish(Configuration conf, Path dir, String name, byte[] bytes) {
    Path target = new Path(dir, name);
    HadoopFiles.publishFile(target.toString(), conf, true, out -> out.write(bytes));
    return target.toString();
  }

  private String title() {
    return "Distillation run " + facts.runId();
  }

  /** "teacher 1200x1200", or "teacher" when the teacher's size is not given. */
  static String teacherLabel(ModelMetrics teacher) {
    return teacher.size() == null || teacher.size().isBlank()
        ? "teacher"
        : "teacher " + teacher.size();
  }

  private double totalStageSeconds() {
    return facts.stageSeconds().values().stream()
        .filter(s -> s != null && Double.isFinite(s))
        .mapToDouble(Double::doubleValue)
        .sum();
  }

  private static String errors(ModelMetrics m) {
    return count(m.testErrors()) + " (" + percent(m.testAccuracy(), 2) + ")";
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

  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  /**
   * What a run's report says about the run itself.
   *
   * @param runId the run's id (required)
   * @param runDir the run's directory, or null
   * @param dataset a description of the dataset (path, split sizes), or null
   * @param teacher how the teacher was made (shape, training data, epoch kept), or null
   * @param stageSeconds wall seconds per stage, in the order the stages ran (a null or NaN value
   *     shows as "—")
   * @param stageWork what each stage processed (rows, examples, flops), by stage name; stages
   *     without are "—"
   * @param configuration the resolved configuration's text, or null
   * @param checks paragraphs the report gives before its verdict (the teacher check, the target's
   *     answer), or null
   * @param searches each searched model's settings search, by model name (empty: no search)
   */
  public record RunFacts(
      String runId,
      String runDir,
      String dataset,
      String teacher,
      Map<String, Double> stageSeconds,
      Map<String, StageWork> stageWork,
      String configuration,
      String checks,
      Map<String, SearchSummary> searches) {
    /** Facts without a settings search. */
    public RunFacts(
        String runId,
        String runDir,
        String dataset,
        String teacher,
        Map<String, Double> stageSeconds,
        Map<String, StageWork> stageWork,
        String configuration,
        String checks) {
      this(runId, runDir, dataset, teacher, stageSeconds, stageWork, configuration, checks, null);
    }

    /**
     * Facts without checks (the teacher check and the target's answer: paragraphs, separated by a
     * blank line, that the report gives before its verdict).
     */
    public RunFacts(
        String runId,
        String runDir,
        String dataset,
        String teacher,
        Map<String, Double> stageSeconds,
        Map<String, StageWork> stageWork,
        String configuration) {
      this(runId, runDir, dataset, teacher, stageSeconds, stageWork, configuration, null, null);
    }

    /** Facts without the stages' work. */
    public RunFacts(
        String runId,
        String runDir,
        String dataset,
        String teacher,
        Map<String, Double> stageSeconds,
        String configuration) {
      this(runId, runDir, dataset, teacher, stageSeconds, null, configuration, null, null);
    }

    public RunFacts {
      stageWork = stageWork == null ? Map.of() : Map.copyOf(stageWork);
      searches =
          searches == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(searches));
      if (runId == null || runId.isBlank()) {
        throw new IllegalArgumentException("A run report needs the run's id");
      }
      runDir = runDir == null ? "" : runDir;
      dataset = dataset == null ? "" : dataset;
      teacher = teacher == null ? "" : teacher;
      Map<String, Double> stages =
          stageSeconds == null ? new LinkedHashMap<>() : new LinkedHashMap<>(stageSeconds);
      if (stages.containsKey(null)) {
        throw new IllegalArgumentException("A stage of run " + runId + " has no name: " + stages);
      }
      stageSeconds = Collections.unmodifiableMap(stages);
      configuration = configuration == null ? "" : configuration;
    }
  }

  /** Where a report was written (fully qualified paths). */
  public record Output(String directory, String markdown, String html, String chart) {}
}
