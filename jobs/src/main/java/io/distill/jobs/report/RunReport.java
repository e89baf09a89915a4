package io.distill.jobs.report;

import static io.distill.jobs.report.Formats.NONE;
import static io.distill.jobs.report.Formats.count;
import static io.distill.jobs.report.Formats.fixed;
import static io.distill.jobs.report.Formats.number;
import static io.distill.jobs.report.Formats.orNone;
import static io.distill.jobs.report.Formats.percent;
import static io.distill.jobs.report.Formats.seconds;
import static io.distill.jobs.report.Formats.significant;

import io.distill.core.HadoopFiles;
import io.distill.jobs.report.MarkdownDocument.Row;
import io.distill.student.ModelMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * <p>It leads with the checks and the verdict ({@link RunSummary#verdict()}), then shows the run's
 * facts ({@link RunFacts}: dataset and split sizes), its stage timings, one line per student size
 * ({@link StudentsSection}: baseline against distilled student, and what each size costs), per
 * shape the mean and spread over seeds when a shape has several, the chart, Hinton et al. (2015)'s
 * MNIST figures beside the run's ({@link HintonSection}), the settings search ({@link
 * SearchSection}), every metric of every model, and the resolved configuration.
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
    StudentsSection.write(md, sizes, teacher, examples);
    seedsTable(md, teacher);
    md.heading(2, "Accuracy against parameters")
        .image(
            CHART_FILE,
            "Test accuracy (%) against parameters (log scale):"
                + " distilled students, hard-label baselines"
                + (teacher.isPresent() ? " and the teacher" : ""));
    HintonSection.write(md, summary, teacher, examples);
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

  private double totalStageSeconds() {
    return facts.stageSeconds().values().stream()
        .filter(s -> s != null && Double.isFinite(s))
        .mapToDouble(Double::doubleValue)
        .sum();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  /** Where a report was written (fully qualified paths). */
  public record Output(String directory, String markdown, String html, String chart) {}
}
