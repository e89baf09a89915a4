package io.distill.jobs.report;

import io.distill.dataset.HadoopFiles;
import io.distill.student.ModelMetrics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's human report: {@value #MARKDOWN_FILE}, {@value #HTML_FILE} (the same content as one standalone page,
 * inline CSS, no external resources) and the chart {@value #CHART_FILE}, written into a directory on any Hadoop
 * file system.
 *
 * <p>The report shows the run's facts, its stage timings, one line per student size (baseline against distilled
 * student: errors, the <em>distillation gain</em> = baseline errors − distilled errors, the <em>share of the
 * baseline→teacher gap closed</em> = gain / (baseline errors − teacher errors), "n/a" when that denominator is not
 * positive or there is no teacher, agreement with the teacher, KL to the teacher, bytes, latency, throughput,
 * training time) and a row for the teacher; Hinton et al. (2015)'s MNIST figures beside the run's; every metric
 * of every model; and the resolved configuration.
 *
 * <p>The metrics must hold at most one teacher and, per student size, exactly one distilled and one baseline
 * student; model names must be unique and every model must have been measured on the same number of test
 * examples (errors are compared as counts). Anything else is refused with an {@link IllegalArgumentException}
 * naming the size or model. {@link #summarize(List)} gives the per-size numbers without writing anything.
 *
 * <pre>{@code
 * RunReport.Output out = RunReport.write("hdfs:///runs/r1/report", hadoopConf, facts, metrics);
 * }</pre>
 *
 * <p>On a checksummed file system (file://) the files are written without Hadoop's {@code .crc} companions, so
 * the directory holds only what people open. Each file is written to a hidden temporary name and renamed into
 * place, replacing an earlier report's file.
 */
public final class RunReport {
  /** The Markdown report's file name. */
  public static final String MARKDOWN_FILE = "report.md";
  /** The HTML report's file name. */
  public static final String HTML_FILE = "report.html";
  /** The chart's file name (the HTML page refers to it by this relative name). */
  public static final String CHART_FILE = "accuracy-vs-parameters.png";

  /** Hinton, Vinyals &amp; Dean (2015), "Distilling the Knowledge in a Neural Network", section 3 (MNIST). */
  static final long HINTON_TEACHER_ERRORS = 67;
  static final long HINTON_BASELINE_ERRORS = 146;
  static final long HINTON_DISTILLED_ERRORS = 74;
  static final String HINTON_SIZE = "800x800";
  static final int HINTON_TEMPERATURE = 20;
  static final long HINTON_TEST_EXAMPLES = 10_000;

  private static final String NONE = "—";
  private static final String NA = "n/a";

  private final RunFacts facts;
  private final Summary summary;

  private RunReport(RunFacts facts, Summary summary) {
    this.facts = facts;
    this.summary = summary;
  }

  /**
   * A report over {@code metrics}, validated now.
   *
   * @throws IllegalArgumentException as {@link #summarize(List)}
   */
  public static RunReport of(RunFacts facts, List<ModelMetrics> metrics) {
    Objects.requireNonNull(facts, "facts");
    return new RunReport(facts, summarize(metrics));
  }

  /** Validates, renders and writes the three files into {@code directory}: {@code of(facts, metrics).writeTo(...)}. */
  public static Output write(String directory, Configuration conf, RunFacts facts, List<ModelMetrics> metrics) {
    return of(facts, metrics).writeTo(directory, conf);
  }

  /** The run facts the report was made from. */
  public RunFacts facts() {
    return facts;
  }

  /** The per-size numbers the report shows. */
  public Summary summary() {
    return summary;
  }

  // ------------------------------------------------------------------------------------------------ summary

  /**
   * The teacher and, per student size (ordered by the distilled student's parameters, then by name), the
   * distillation gain and the share of the baseline→teacher gap closed.
   *
   * @throws IllegalArgumentException for a null entry, a model without a name, a duplicate model name, an unknown
   *     role, a student without a size, two teachers, two distilled (or two baseline) students of one size, a
   *     distilled student without the baseline of its size or a baseline without its distilled student (naming
   *     each such size), or models measured on different numbers of test examples
   */
  public static Summary summarize(List<ModelMetrics> metrics) {
    Objects.requireNonNull(metrics, "metrics");
    Map<String, Integer> positions = new HashMap<>();
    ModelMetrics teacher = null;
    Map<String, ModelMetrics> distilled = new LinkedHashMap<>();
    Map<String, ModelMetrics> baseline = new LinkedHashMap<>();
    for (int i = 0; i < metrics.size(); i++) {
      ModelMetrics m = metrics.get(i);
      if (m == null) {
        throw new IllegalArgumentException("The run's metrics hold null at position " + i);
      }
      if (m.model() == null || m.model().isBlank()) {
        throw new IllegalArgumentException("The model at position " + i + " of the run's metrics has no name: " + m);
      }
      Integer earlier = positions.putIfAbsent(m.model(), i);
      if (earlier != null) {
        throw new IllegalArgumentException("Duplicate model name '" + m.model() + "' (positions " + earlier + " and "
            + i + " of the run's metrics); each model of a run needs a unique name");
      }
      String role = m.role() == null ? "" : m.role();
      switch (role) {
        case ModelMetrics.TEACHER -> {
          if (teacher != null) {
            throw new IllegalArgumentException("The run's metrics hold two teachers, '" + teacher.model() + "' and '"
                + m.model() + "'; a run has one teacher");
          }
          teacher = m;
        }
        case ModelMetrics.DISTILLED, ModelMetrics.BASELINE -> {
          if (m.size() == null || m.size().isBlank()) {
            throw new IllegalArgumentException("The " + role + " student '" + m.model() + "' has no size");
          }
          Map<String, ModelMetrics> bySize = role.equals(ModelMetrics.DISTILLED) ? distilled : baseline;
          ModelMetrics other = bySize.putIfAbsent(m.size(), m);
          if (other != null) {
            throw new IllegalArgumentException("Student size " + m.size() + " has two " + role + " students, '"
                + other.model() + "' and '" + m.model() + "'; each size needs exactly one distilled and one baseline"
                + " student");
          }
        }
        default -> throw new IllegalArgumentException("Model '" + m.model() + "' has role '" + m.role()
            + "'; expected " + ModelMetrics.TEACHER + ", " + ModelMetrics.DISTILLED + " or " + ModelMetrics.BASELINE);
      }
    }
    List<String> unpaired = new ArrayList<>();
    for (ModelMetrics d : distilled.values()) {
      if (!baseline.containsKey(d.size())) {
        unpaired.add("size " + d.size() + " has a distilled student ('" + d.model() + "') but no baseline");
      }
    }
    for (ModelMetrics b : baseline.values()) {
      if (!distilled.containsKey(b.size())) {
        unpaired.add("size " + b.size() + " has a baseline student ('" + b.model() + "') but no distilled student");
      }
    }
    if (!unpaired.isEmpty()) {
      throw new IllegalArgumentException("Students come in pairs of one size, distilled beside its hard-label"
          + " baseline: " + String.join("; ", unpaired));
    }
    TreeMap<Long, List<String>> examples = new TreeMap<>();
    for (ModelMetrics m : metrics) {
      examples.computeIfAbsent(m.testExamples(), k -> new ArrayList<>()).add(m.model());
    }
    if (examples.size() > 1) {
      List<String> groups = new ArrayList<>();
      examples.forEach((n, models) -> groups.add(n + " (" + String.join(", ", models) + ")"));
      throw new IllegalArgumentException("The models were measured on different numbers of test examples, so their"
          + " errors cannot be compared: " + String.join("; ", groups));
    }
    List<SizeSummary> sizes = new ArrayList<>();
    for (ModelMetrics d : distilled.values()) {
      ModelMetrics b = baseline.get(d.size());
      long gain = b.testErrors() - d.testErrors();
      OptionalDouble gap = OptionalDouble.empty();
      if (teacher != null && b.testErrors() - teacher.testErrors() > 0) {
        gap = OptionalDouble.of((double) gain / (b.testErrors() - teacher.testErrors()));
      }
      sizes.add(new SizeSummary(d.size(), d, b, gain, gap));
    }
    sizes.sort(Comparator.comparingLong((SizeSummary s) -> s.distilled().parameters())
        .thenComparing(SizeSummary::size));
    return new Summary(Optional.ofNullable(teacher), sizes);
  }

  // ------------------------------------------------------------------------------------------------ rendering

  /** The Markdown report (refers to the chart as {@value #CHART_FILE} beside it). */
  public String markdown() {
    StringBuilder out = new StringBuilder();
    for (Block block : blocks()) {
      block.markdown(out);
      out.append('\n');
    }
    return out.toString().stripTrailing() + "\n";
  }

  /** The HTML report: one standalone page, inline CSS, the chart as {@code <img src="}{@value #CHART_FILE}{@code ">}. */
  public String html() {
    StringBuilder out = new StringBuilder();
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(html(title())).append("</title>\n<style>\n").append(CSS).append("</style>\n")
        .append("</head>\n<body>\n");
    for (Block block : blocks()) {
      block.html(out);
    }
    out.append("</body>\n</html>\n");
    return out.toString();
  }

  /** The chart of test accuracy against parameters. */
  public BufferedImage chart() {
    return AccuracyChart.of(summary, "Test accuracy against parameters, run " + facts.runId()).render();
  }

  /**
   * Writes {@value #MARKDOWN_FILE}, {@value #HTML_FILE} and {@value #CHART_FILE} into {@code directory} (any Hadoop
   * file system path; created if missing), replacing earlier files of those names.
   *
   * @throws UncheckedIOException naming the directory when the file system refuses
   */
  public Output writeTo(String directory, Configuration conf) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(conf, "conf");
    byte[] md = markdown().getBytes(StandardCharsets.UTF_8);
    byte[] page = html().getBytes(StandardCharsets.UTF_8);
    byte[] png = AccuracyChart.png(chart());
    try {
      Path dir = new Path(directory);
      FileSystem fs = dir.getFileSystem(conf);
      dir = fs.makeQualified(dir);
      if (fs.exists(dir)) {
        if (!fs.getFileStatus(dir).isDirectory()) {
          throw new IOException("it is a file, not a directory");
        }
      } else if (!fs.mkdirs(dir)) {
        throw new IOException("cannot create the directory");
      }
      // Without .crc companions on file://: the report is for people (and hand-editing a checksummed file breaks it).
      Path mdPath = publish(conf, dir, MARKDOWN_FILE, md);
      Path htmlPath = publish(conf, dir, HTML_FILE, page);
      Path pngPath = publish(conf, dir, CHART_FILE, png);
      return new Output(dir.toString(), mdPath.toString(), htmlPath.toString(), pngPath.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the run report to " + directory + ": " + e.getMessage(), e);
    }
  }

  private static Path publish(Configuration conf, Path dir, String name, byte[] bytes) {
    Path target = new Path(dir, name);
    HadoopFiles.publishFile(target.toString(), conf, true, out -> out.write(bytes));
    return target;
  }

  private String title() {
    return "Distillation run " + facts.runId();
  }

  private List<Block> blocks() {
    List<Block> blocks = new ArrayList<>();
    List<SizeSummary> sizes = summary.sizes();
    Optional<ModelMetrics> teacher = summary.teacher();
    long examples = summary.testExamples();

    blocks.add(new Heading(1, title()));

    // Run facts.
    blocks.add(new Heading(2, "Run"));
    List<Row> facts = new ArrayList<>();
    facts.add(new Row(false, "Run id", this.facts.runId()));
    facts.add(new Row(false, "Run directory", orNone(this.facts.runDir())));
    facts.add(new Row(false, "Dataset", orNone(this.facts.dataset())));
    facts.add(new Row(false, "Test examples", examples < 0 ? NONE : count(examples)));
    facts.add(new Row(false, "Models", summary.models().size() + " (" + (teacher.isPresent() ? "a teacher, " : "no teacher, ")
        + sizes.size() + " student size" + (sizes.size() == 1 ? "" : "s") + ", each distilled and baseline)"));
    facts.add(new Row(false, "Stage time, total", seconds(totalStageSeconds()) + " s"));
    blocks.add(new Table(List.of("Fact", "Value"), new boolean[] {false, false}, facts));

    // Stage timings.
    blocks.add(new Heading(2, "Stage timings"));
    if (this.facts.stageSeconds().isEmpty()) {
      blocks.add(new Para("No stage timings were recorded."));
    } else {
      double total = totalStageSeconds();
      List<Row> rows = new ArrayList<>();
      this.facts.stageSeconds().forEach((stage, s) -> rows.add(new Row(false, stage, seconds(s),
          s == null || !Double.isFinite(s) || !(total > 0) ? NONE : percent(s / total, 1))));
      rows.add(new Row(true, "total", seconds(total), total > 0 ? percent(1, 1) : NONE));
      blocks.add(new Table(List.of("Stage", "Seconds", "Share"), new boolean[] {false, true, true}, rows));
    }

    // The main table.
    blocks.add(new Heading(2, "Students against their baselines"));
    if (sizes.isEmpty()) {
      blocks.add(new Para("The run has no students."));
    } else {
      blocks.add(new Para("Errors out of " + count(examples) + " test examples (accuracy in brackets). Gain = baseline"
          + " errors − distilled errors; gap closed = gain / (baseline errors − teacher errors), n/a where that"
          + " denominator is not positive" + (teacher.isPresent() ? "" : " (this run has no teacher)") + ". Agreement"
          + " = share of test examples where the model's argmax equals the teacher's; KL = mean KL(teacher ‖ model)"
          + " at T = 1, in nats. Bytes, latency and throughput are the distilled student's (its baseline has the"
          + " same architecture; every model's figures are in the full table below)."));
      List<Row> rows = new ArrayList<>();
      for (SizeSummary s : sizes) {
        ModelMetrics d = s.distilled();
        ModelMetrics b = s.baseline();
        String params = count(d.parameters())
            + (b.parameters() != d.parameters() ? " (baseline " + count(b.parameters()) + ")" : "");
        rows.add(new Row(false, s.size(), params,
            errors(b),
            errors(d) + "; T=" + number(d.temperature()) + ", α=" + number(d.alpha()),
            count(s.gain()),
            s.gapClosedText(),
            percent(b.teacherAgreement(), 2), percent(d.teacherAgreement(), 2),
            fixed(b.meanKlToTeacher(), 4), fixed(d.meanKlToTeacher(), 4),
            count(d.serializedBytes()),
            significant(d.latencyP50Millis()) + " / " + significant(d.latencyP95Millis()),
            throughput(d.throughputPerSecond()),
            seconds(d.trainingSeconds()) + " / " + seconds(b.trainingSeconds())));
      }
      teacher.ifPresent(t -> rows.add(new Row(true, teacherLabel(t), count(t.parameters()),
          NONE, errors(t), NONE, NONE, NONE, NONE, NONE, NONE,
          count(t.serializedBytes()),
          significant(t.latencyP50Millis()) + " / " + significant(t.latencyP95Millis()),
          throughput(t.throughputPerSecond()), seconds(t.trainingSeconds()))));
      blocks.add(new Table(List.of("Size", "Parameters", "Baseline errors", "Distilled errors (T, α)", "Gain",
          "Gap closed", "Agreement, baseline", "Agreement, distilled", "KL, baseline", "KL, distilled", "Bytes",
          "Latency p50 / p95 ms", "Throughput /s", "Training s, distilled / baseline"),
          new boolean[] {false, true, true, true, true, true, true, true, true, true, true, true, true, true}, rows));
      if (teacher.isPresent()) {
        blocks.add(new Para("The teacher's row gives its errors in the distilled-errors column and its own bytes,"
            + " latency, throughput and training seconds."));
      }
    }

    // The chart.
    blocks.add(new Heading(2, "Accuracy against parameters"));
    blocks.add(new Image(CHART_FILE, "Test accuracy (%) against parameters (log scale): distilled students, "
        + "hard-label baselines" + (teacher.isPresent() ? " and the teacher" : "")));

    // Hinton et al.
    blocks.add(new Heading(2, "Beside Hinton et al. (2015)"));
    blocks.add(new Para("Hinton, Vinyals and Dean, \"Distilling the Knowledge in a Neural Network\" (2015), section 3,"
        + " on MNIST's " + count(HINTON_TEST_EXAMPLES) + " test images: a large teacher (two hidden layers of 1200"
        + " units, dropout, jittered inputs) made " + HINTON_TEACHER_ERRORS + " errors; an 800x800 student trained on"
        + " the hard labels alone made " + HINTON_BASELINE_ERRORS + "; the same student distilled at T="
        + HINTON_TEMPERATURE + " made " + HINTON_DISTILLED_ERRORS + "."
        + (examples >= 0 && examples != HINTON_TEST_EXAMPLES ? " This run's test split has " + count(examples)
            + " examples, so its counts are also given per " + count(HINTON_TEST_EXAMPLES) + "." : "")));
    Optional<SizeSummary> ours = summary.find(HINTON_SIZE);
    List<Row> hinton = new ArrayList<>();
    hinton.add(new Row(false, "Teacher errors", Long.toString(HINTON_TEACHER_ERRORS),
        teacher.map(t -> errorsPer(t.testErrors(), examples)).orElse(NONE + " (no teacher)")));
    hinton.add(new Row(false, HINTON_SIZE + " student, hard labels", Long.toString(HINTON_BASELINE_ERRORS),
        ours.map(s -> errorsPer(s.baseline().testErrors(), examples)).orElse(NONE + " (no " + HINTON_SIZE + " student)")));
    hinton.add(new Row(false, HINTON_SIZE + " student, distilled", HINTON_DISTILLED_ERRORS + " (T=" + HINTON_TEMPERATURE
        + ")", ours.map(s -> errorsPer(s.distilled().testErrors(), examples) + " (T=" + number(s.distilled().temperature())
        + ", α=" + number(s.distilled().alpha()) + ")").orElse(NONE)));
    hinton.add(new Row(false, "Gain", Long.toString(HINTON_BASELINE_ERRORS - HINTON_DISTILLED_ERRORS),
        ours.map(s -> count(s.gain())).orElse(NONE)));
    hinton.add(new Row(false, "Gap closed",
        percent((double) (HINTON_BASELINE_ERRORS - HINTON_DISTILLED_ERRORS)
            / (HINTON_BASELINE_ERRORS - HINTON_TEACHER_ERRORS), 1),
        ours.map(SizeSummary::gapClosedText).orElse(NONE)));
    blocks.add(new Table(List.of("", "Hinton et al. (2015)", "This run"), new boolean[] {false, true, true}, hinton));

    // Every metric of every model.
    blocks.add(new Heading(2, "All metrics"));
    List<Row> all = new ArrayList<>();
    for (ModelMetrics m : summary.models()) {
      all.add(new Row(false, m.model(), m.role(), m.size(), number(m.temperature()), number(m.alpha()),
          count(m.parameters()), count(m.serializedBytes()), count(m.testExamples()), count(m.testErrors()),
          percent(m.testAccuracy(), 2), percent(m.teacherAgreement(), 2), fixed(m.meanKlToTeacher(), 4),
          significant(m.latencyP50Millis()), significant(m.latencyP95Millis()), throughput(m.throughputPerSecond()),
          seconds(m.trainingSeconds()), Integer.toString(m.epochs())));
    }
    blocks.add(new Table(List.of("Model", "Role", "Size", "T", "α", "Parameters", "Bytes", "Test examples",
        "Errors", "Accuracy", "Teacher agreement", "Mean KL to teacher", "Latency p50 ms", "Latency p95 ms",
        "Throughput /s", "Training s", "Epochs"),
        new boolean[] {false, false, false, true, true, true, true, true, true, true, true, true, true, true, true,
            true, true}, all));

    // Configuration.
    blocks.add(new Heading(2, "Configuration"));
    if (this.facts.configuration().isBlank()) {
      blocks.add(new Para("No configuration was recorded."));
    } else {
      blocks.add(new Code(this.facts.configuration()));
    }
    return blocks;
  }

  /** "teacher 1200x1200", or "teacher" when the teacher's size is not given. */
  static String teacherLabel(ModelMetrics teacher) {
    return teacher.size() == null || teacher.size().isBlank() ? "teacher" : "teacher " + teacher.size();
  }

  private double totalStageSeconds() {
    double total = 0;
    for (Double s : facts.stageSeconds().values()) {
      if (s != null && Double.isFinite(s)) {
        total += s;
      }
    }
    return total;
  }

  // ------------------------------------------------------------------------------------------------ formats

  private static String orNone(String s) {
    return s == null || s.isBlank() ? NONE : s;
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String errors(ModelMetrics m) {
    return count(m.testErrors()) + " (" + percent(m.testAccuracy(), 2) + ")";
  }

  private static String errorsPer(long errors, long examples) {
    if (examples <= 0 || examples == HINTON_TEST_EXAMPLES) {
      return count(errors);
    }
    return count(errors) + " (" + fixed((double) errors * HINTON_TEST_EXAMPLES / examples, 0) + " per "
        + count(HINTON_TEST_EXAMPLES) + ")";
  }

  /** A share (0.835) as a percentage ("83.5%"), or "—" when not finite. */
  static String percent(double share, int decimals) {
    return Double.isFinite(share) ? String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * share) : NONE;
  }

  private static String fixed(double x, int decimals) {
    return Double.isFinite(x) ? String.format(Locale.ROOT, "%,." + decimals + "f", x) : NONE;
  }

  private static String seconds(Double s) {
    return s == null ? NONE : fixed(s, 1);
  }

  private static String throughput(double perSecond) {
    return fixed(perSecond, 0);
  }

  /** At most four decimals, no trailing zeros: 20, 0.1, 2.5. */
  private static String number(double x) {
    if (!Double.isFinite(x)) {
      return NONE;
    }
    return BigDecimal.valueOf(x).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
  }

  /** Three significant digits for small figures (0.0123, 1.23, 12.3), whole numbers from 100. */
  private static String significant(double x) {
    if (!Double.isFinite(x)) {
      return NONE;
    }
    double a = Math.abs(x);
    int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 3 : 4;
    return fixed(x, decimals);
  }

  private static final Pattern MARKDOWN_SPECIAL = Pattern.compile("[\\\\`*_\\[\\]<>|&#~]");

  /** Text as Markdown that renders as itself, on one line (also safe inside a table cell). */
  static String markdown(String text) {
    String line = text.replaceAll("\\R", " ");
    return MARKDOWN_SPECIAL.matcher(line).replaceAll(m -> Matcher.quoteReplacement("\\" + m.group()));
  }

  /** Text as HTML character data or attribute value. */
  static String html(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static final String CSS = String.join("\n",
      "body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; margin: 2em;",
      "  color: #1f2328; line-height: 1.45; }",
      "h1 { font-size: 1.7em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }",
      "h2 { font-size: 1.3em; margin-top: 1.6em; }",
      "p { max-width: 60em; }",
      ".scroll { overflow-x: auto; }",
      "table { border-collapse: collapse; font-size: .9em; margin: .5em 0 1em; }",
      "th, td { border: 1px solid #d0d7de; padding: .3em .6em; vertical-align: top; }",
      "th { background: #f6f8fa; text-align: left; }",
      "td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }",
      "tr.emphasis td { font-weight: 600; background: #f3faf3; }",
      "tbody tr:nth-child(even):not(.emphasis) td { background: #fbfbfc; }",
      "pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 1em; overflow-x: auto; font-size: .85em; }",
      "img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }",
      "");

  // ------------------------------------------------------------------------------------------------ document

  /** One block of the report, rendered as Markdown or HTML: the two files say the same. */
  private sealed interface Block permits Heading, Para, Table, Code, Image {
    void markdown(StringBuilder out);

    void html(StringBuilder out);
  }

  private record Heading(int level, String text) implements Block {
    @Override
    public void markdown(StringBuilder out) {
      out.append("#".repeat(level)).append(' ').append(RunReport.markdown(text)).append('\n');
    }

    @Override
    public void html(StringBuilder out) {
      out.append("<h").append(level).append('>').append(RunReport.html(text)).append("</h").append(level)
          .append(">\n");
    }
  }

  private record Para(String text) implements Block {
    @Override
    public void markdown(StringBuilder out) {
      out.append(RunReport.markdown(text)).append('\n');
    }

    @Override
    public void html(StringBuilder out) {
      out.append("<p>").append(RunReport.html(text)).append("</p>\n");
    }
  }

  private record Row(boolean emphasis, List<String> cells) {
    Row(boolean emphasis, String... cells) {
      this(emphasis, Arrays.stream(cells).map(c -> c == null ? NONE : c).toList());
    }
  }

  private record Table(List<String> headers, boolean[] numeric, List<Row> rows) implements Block {
    @Override
    public void markdown(StringBuilder out) {
      out.append('|');
      for (String h : headers) {
        out.append(' ').append(h.isEmpty() ? " " : RunReport.markdown(h)).append(" |");
      }
      out.append("\n|");
      for (boolean n : numeric) {
        out.append(n ? "---:|" : "---|");
      }
      out.append('\n');
      for (Row row : rows) {
        out.append('|');
        for (String cell : row.cells()) {
          String text = RunReport.markdown(cell);
          out.append(' ').append(row.emphasis() && !cell.isEmpty() ? "**" + text + "**" : text).append(" |");
        }
        out.append('\n');
      }
    }

    @Override
    public void html(StringBuilder out) {
      out.append("<div class=\"scroll\"><table>\n<thead><tr>");
      for (int i = 0; i < headers.size(); i++) {
        out.append(numeric[i] ? "<th class=\"num\">" : "<th>").append(RunReport.html(headers.get(i))).append("</th>");
      }
      out.append("</tr></thead>\n<tbody>\n");
      for (Row row : rows) {
        out.append(row.emphasis() ? "<tr class=\"emphasis\">" : "<tr>");
        for (int i = 0; i < row.cells().size(); i++) {
          out.append(numeric[i] ? "<td class=\"num\">" : "<td>").append(RunReport.html(row.cells().get(i)))
              .append("</td>");
        }
        out.append("</tr>\n");
      }
      out.append("</tbody>\n</table></div>\n");
    }
  }

  private record Code(String text) implements Block {
    @Override
    public void markdown(StringBuilder out) {
      int longest = 0;
      Matcher ticks = Pattern.compile("`+").matcher(text);
      while (ticks.find()) {
        longest = Math.max(longest, ticks.group().length());
      }
      String fence = "`".repeat(Math.max(3, longest + 1));
      out.append(fence).append('\n').append(text.stripTrailing()).append('\n').append(fence).append('\n');
    }

    @Override
    public void html(StringBuilder out) {
      out.append("<pre><code>").append(RunReport.html(text.stripTrailing())).append("</code></pre>\n");
    }
  }

  private record Image(String src, String alt) implements Block {
    @Override
    public void markdown(StringBuilder out) {
      out.append("![").append(RunReport.markdown(alt)).append("](").append(src).append(")\n");
    }

    @Override
    public void html(StringBuilder out) {
      out.append("<figure><img src=\"").append(RunReport.html(src)).append("\" alt=\"").append(RunReport.html(alt))
          .append("\" width=\"").append(AccuracyChart.WIDTH).append("\" height=\"").append(AccuracyChart.HEIGHT)
          .append("\"></figure>\n");
    }
  }

  // ------------------------------------------------------------------------------------------------ values

  /**
   * What a run's report says about the run itself.
   *
   * @param runId         the run's id (required)
   * @param runDir        the run's directory, or null
   * @param dataset       a description of the dataset (path, rows), or null
   * @param stageSeconds  wall seconds per stage, in the order the stages ran (a null or NaN value shows as "—")
   * @param configuration the resolved configuration's text (HOCON), or null
   */
  public record RunFacts(String runId, String runDir, String dataset, Map<String, Double> stageSeconds,
      String configuration) {
    /** Copies the map, keeping its order; null text becomes empty. */
    public RunFacts {
      if (runId == null || runId.isBlank()) {
        throw new IllegalArgumentException("A run report needs the run's id");
      }
      runDir = runDir == null ? "" : runDir;
      dataset = dataset == null ? "" : dataset;
      Map<String, Double> stages = stageSeconds == null ? new LinkedHashMap<>() : new LinkedHashMap<>(stageSeconds);
      if (stages.containsKey(null)) {
        throw new IllegalArgumentException("A stage of run " + runId + " has no name: " + stages);
      }
      stageSeconds = Collections.unmodifiableMap(stages);
      configuration = configuration == null ? "" : configuration;
    }
  }

  /**
   * One student size: its distilled student beside its hard-label baseline.
   *
   * @param size      the size's name ("800x800")
   * @param distilled the distilled student's metrics
   * @param baseline  the baseline student's metrics
   * @param gain      baseline errors − distilled errors (positive when distillation helped)
   * @param gapClosed gain / (baseline errors − teacher errors); empty when there is no teacher or that
   *                  denominator is not positive
   */
  public record SizeSummary(String size, ModelMetrics distilled, ModelMetrics baseline, long gain,
      OptionalDouble gapClosed) {
    /** The gap closed as a percentage with one decimal ("83.5%"), or "n/a". */
    public String gapClosedText() {
      return gapClosed.isPresent() ? percent(gapClosed.getAsDouble(), 1) : NA;
    }
  }

  /**
   * A run's models, validated and paired.
   *
   * @param teacher the teacher, if the run has one
   * @param sizes   the student sizes, ordered by the distilled student's parameters
   */
  public record Summary(Optional<ModelMetrics> teacher, List<SizeSummary> sizes) {
    /** Copies the list. */
    public Summary {
      Objects.requireNonNull(teacher, "teacher");
      sizes = List.copyOf(sizes);
    }

    /** The size of this name, if the run has it. */
    public Optional<SizeSummary> find(String size) {
      return sizes.stream().filter(s -> s.size().equals(size)).findFirst();
    }

    /** Every model: the teacher first, then per size the baseline and the distilled student. */
    public List<ModelMetrics> models() {
      List<ModelMetrics> models = new ArrayList<>();
      teacher.ifPresent(models::add);
      for (SizeSummary s : sizes) {
        models.add(s.baseline());
        models.add(s.distilled());
      }
      return models;
    }

    /** The test examples every model was measured on; -1 for a run without models. */
    public long testExamples() {
      List<ModelMetrics> models = models();
      return models.isEmpty() ? -1 : models.get(0).testExamples();
    }

    /** The student sizes' names, in order. */
    public List<String> sizeNames() {
      return sizes.stream().map(SizeSummary::size).toList();
    }
  }

  /**
   * Where a report was written (fully qualified paths).
   *
   * @param directory the report's directory
   * @param markdown  {@value RunReport#MARKDOWN_FILE}
   * @param html      {@value RunReport#HTML_FILE}
   * @param chart     {@value RunReport#CHART_FILE}
   */
  public record Output(String directory, String markdown, String html, String chart) {}
}
