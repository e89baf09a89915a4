package io.distill.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.jobs.config.ConfigArguments;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.pipeline.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads a finished run (its {@code metrics/} table, {@code manifest.json} and {@code _stages/}) and writes the
 * distillation-quality table of issue 6 into one section of docs/BENCHMARKS.md: per student shape the teacher's,
 * the hard-label baselines' and the distilled students' test errors (mean and spread over the seeds the config
 * lists), the share of the baseline→teacher gap the distilled students close, parameters, bytes, latency and
 * throughput, Hinton et al. (2015)'s figures beside ours, which targets are met, and the wall time of each
 * stage. Run by bench/quality:
 *
 * <pre>
 * spark-submit --class io.distill.jobs.bench.QualityBenchmark distill-job.jar REPORT.md SECTION TITLE COMMAND \
 *     [--config FILE] [--set key=value]...
 * </pre>
 *
 * The run directory is the one the same configuration arguments give the pipeline.
 *
 * Students are grouped by shape (their {@code hidden} list in the run's configuration), temperature and α, so sizes
 * listed several times under different names and seeds form one row with their mean and sample standard deviation.
 */
public final class QualityBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Hinton, Vinyals &amp; Dean (2015), MNIST test errors out of 10,000. */
  private static final Map<String, String> HINTON = Map.of("teacher", "67", "800x800 baseline", "146",
      "800x800 distilled", "74 (T=20)");

  private QualityBenchmark() {}

  public static void main(String[] args) {
    if (args.length < 4) {
      System.err.println("usage: QualityBenchmark REPORT.md SECTION TITLE COMMAND [--config FILE] [--set k=v]...");
      System.exit(2);
    }
    String runDir = ConfigArguments.parse(List.of(args).subList(4, args.length)).load().run().dir();
    SparkSession spark = SparkSession.builder().appName("distill: quality benchmark").getOrCreate();
    String markdown = report(spark, runDir, args[2], args[3]);
    BenchmarkReport.writeSection(Path.of(args[0]), args[1], markdown);
    System.out.println(markdown);
  }

  /** One shape's models: the teacher, or the baselines and distilled students of every seed. */
  private record Group(String shape, List<Integer> hidden, double temperature, double alpha,
      List<Row> baselines, List<Row> distilled) {}

  static String report(SparkSession spark, String runDir, String title, String command) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    JsonNode manifest = readJson(runDir + "/" + RunDirectory.MANIFEST, hadoop);
    if (!"succeeded".equals(manifest.path("status").asText())) {
      throw new IllegalArgumentException("Run " + runDir + " has not succeeded (status "
          + manifest.path("status").asText("missing") + "): no table from a partial run");
    }
    JsonNode config = manifest.path("config").path("distill");
    Map<String, JsonNode> sizes = new LinkedHashMap<>();
    for (JsonNode s : config.path("students").path("sizes")) {
      sizes.put(s.path("name").asText(), s);
    }
    List<Row> rows = spark.read().parquet(runDir + "/metrics").collectAsList();
    Row teacher = null;
    Map<String, Group> groups = new LinkedHashMap<>();
    for (JsonNode s : sizes.values()) {
      groups.putIfAbsent(key(s), new Group(shape(s), hidden(s), s.path("temperature").asDouble(),
          s.path("alpha").asDouble(), new ArrayList<>(), new ArrayList<>()));
    }
    for (Row r : rows) {
      String role = r.getAs("role");
      if ("teacher".equals(role)) {
        teacher = r;
        continue;
      }
      JsonNode size = sizes.get((String) r.getAs("size"));
      if (size == null) {
        throw new IllegalArgumentException("metrics row " + r.getAs("model") + " names size " + r.getAs("size")
            + ", which the run's configuration does not list");
      }
      Group g = groups.get(key(size));
      ("distilled".equals(role) ? g.distilled : g.baselines).add(r);
    }
    if (teacher == null) {
      throw new IllegalArgumentException("Run " + runDir + " has no teacher row in its metrics");
    }
    long teacherErrors = teacher.<Long>getAs("test_errors");
    long examples = teacher.<Long>getAs("test_examples");

    StringBuilder md = new StringBuilder();
    md.append("## ").append(title).append("\n\n");
    md.append("Command: `").append(command).append("` (").append(BenchmarkReport.machine()).append(")  \n");
    md.append("Run: `").append(runDir).append("`, code ").append(manifest.path("codeVersion").asText())
        .append(", test errors out of ").append(String.format("%,d", examples)).append(".\n\n");
    JsonNode t = config.path("teacher");
    JsonNode st = config.path("students");
    JsonNode sl = config.path("soft-labels");
    md.append(String.format("Teacher: %s, %s epochs, Nesterov lr %s × %s per epoch, dropout retain %s input / %s"
            + " hidden, max-norm %s, input jitter ±%s px. Students: %s epochs, Adam lr %s × %s per epoch, dropout"
            + " retain %s / %s; transfer set = training split + %s jittered cop%s (±%s px); baselines train on the"
            + " same rows with hard labels only (same budget). Workers %s, batch %s per worker, averaging every %s"
            + " steps.%n%n",
        teacher.getAs("size"), t.path("epochs"),
        t.path("learning-rate"), t.path("lr-decay"), t.path("input-retain"), t.path("hidden-retain"),
        t.path("max-norm"), t.path("jitter"), st.path("epochs"), st.path("learning-rate"), st.path("lr-decay"),
        st.path("input-retain"), st.path("hidden-retain"), sl.path("transfer-copies"),
        sl.path("transfer-copies").asInt() == 1 ? "y" : "ies", sl.path("transfer-jitter"),
        config.path("training").path("workers"), config.path("training").path("batch-size"),
        config.path("training").path("averaging-period")));

    md.append("| model | T | α | seeds | test errors (mean ± sd) | per seed | gap closed | agreement with teacher"
            + " | parameters | bytes | latency p50 ms | examples/s (batch) | Hinton et al. |\n")
        .append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    md.append(String.format("| teacher %s | | | 1 | **%d** | | | | %,d | %,d | %.3f | %,.0f | %s |%n",
        teacher.getAs("size"), teacherErrors, teacher.<Long>getAs("parameters"),
        teacher.<Long>getAs("serialized_bytes"), teacher.<Double>getAs("latency_p50_millis"),
        teacher.<Double>getAs("throughput_per_second"), HINTON.get("teacher")));
    List<String> targets = new ArrayList<>();
    targets.add(check(teacherErrors <= 100, "teacher ≤ 100 test errors: " + teacherErrors));
    for (Group g : groups.values()) {
      double[] b = errors(g.baselines);
      double[] d = errors(g.distilled);
      if (b.length == 0 || d.length == 0) {
        continue;
      }
      double gap = mean(b) - teacherErrors;
      String closed = gap > 0 ? String.format("%.0f %%", 100 * (mean(b) - mean(d)) / gap) : "n/a";
      md.append(row(g.shape + " baseline", "", "", g.baselines, b, "", HINTON.getOrDefault(g.shape + " baseline",
          "")));
      md.append(row("**" + g.shape + " distilled**", fmt(g.temperature), fmt(g.alpha), g.distilled, d, closed,
          HINTON.getOrDefault(g.shape + " distilled", "")));
      String label = g.shape + " (T=" + fmt(g.temperature) + ", α=" + fmt(g.alpha) + ")";
      targets.add(check(mean(d) < mean(b), String.format("%s: distilled (%.1f) fewer errors than baseline (%.1f)",
          label, mean(d), mean(b))));
      if (g.hidden.equals(List.of(800, 800)) || g.hidden.equals(List.of(300, 300))) {
        targets.add(check(gap > 0 && (mean(b) - mean(d)) / gap >= 0.5, label + ": closes ≥ 50 % of the"
            + " baseline→teacher gap: " + closed));
      }
      if (g.hidden.equals(List.of(800, 800))) {
        targets.add(check(mean(d) <= 90, String.format("%s distilled ≤ 90 errors: %.1f", label, mean(d))));
      }
    }
    md.append("\nGap closed = (baseline − distilled) / (baseline − teacher), on the means. Spread = sample standard"
        + " deviation over seeds (0 for one seed). Latency: one example per call, p50 over the evaluation's calls;"
        + " throughput at the evaluation's batch size, one JVM.\n\n");
    md.append("Targets (issue 6):\n\n");
    for (String line : targets) {
      md.append("- ").append(line).append('\n');
    }
    md.append("\nWall time per stage (as it ran, from `_stages/`):\n\n| stage | seconds |\n|---|---:|\n");
    double total = 0;
    RunDirectory run = new RunDirectory(runDir, hadoop);
    for (String stage : RunConfig.STAGES) {
      Optional<RunDirectory.StageRecord> record = run.stage(stage);
      if (record.isPresent()) {
        total += record.get().seconds();
        md.append(String.format("| %s | %,.0f |%n", stage, record.get().seconds()));
      }
    }
    md.append(String.format("| **total** | **%,.0f** |%n", total));
    double training = rows.stream().filter(r -> !"teacher".equals(r.getAs("role")))
        .mapToDouble(r -> r.<Double>getAs("training_seconds")).sum();
    md.append(String.format("%nA stage that finds its output (or a student that finds its model) already made for the"
        + " same inputs reuses it, so the students stage's seconds cover only what its last run trained; the"
        + " students' own training times sum to %,.0f s.%n", training));
    return md.toString();
  }

  private static String row(String name, String t, String alpha, List<Row> models, double[] errors, String closed,
      String hinton) {
    StringBuilder perSeed = new StringBuilder();
    double agreement = 0;
    for (int i = 0; i < models.size(); i++) {
      perSeed.append(i == 0 ? "" : ", ").append(Math.round(errors[i]));
      agreement += models.get(i).<Double>getAs("teacher_agreement") / models.size();
    }
    Row first = models.get(0);
    return String.format("| %s | %s | %s | %d | %.1f ± %.1f | %s | %s | %.2f %% | %,d | %,d | %.3f | %,.0f | %s |%n",
        name, t, alpha, models.size(), mean(errors), sd(errors), perSeed, closed, 100 * agreement,
        first.<Long>getAs("parameters"), first.<Long>getAs("serialized_bytes"),
        first.<Double>getAs("latency_p50_millis"), first.<Double>getAs("throughput_per_second"), hinton);
  }

  private static String check(boolean met, String what) {
    return (met ? "**met**: " : "**not met**: ") + what;
  }

  /** Sizes differing only in name and seed are one group. */
  private static String key(JsonNode size) {
    return shape(size) + "|" + size.path("temperature").asDouble() + "|" + size.path("alpha").asDouble();
  }

  private static String shape(JsonNode size) {
    if (size.has("hidden")) {
      List<Integer> h = hidden(size);
      return h.isEmpty() ? "softmax" : String.join("x", h.stream().map(String::valueOf).toList());
    }
    return size.path("name").asText();
  }

  private static List<Integer> hidden(JsonNode size) {
    List<Integer> h = new ArrayList<>();
    for (JsonNode w : size.path("hidden")) {
      h.add(w.asInt());
    }
    return h;
  }

  private static double[] errors(List<Row> models) {
    return models.stream().mapToDouble(r -> r.<Long>getAs("test_errors")).toArray();
  }

  private static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  private static double sd(double[] x) {
    if (x.length < 2) {
      return 0;
    }
    double m = mean(x);
    double s = 0;
    for (double v : x) {
      s += (v - m) * (v - m);
    }
    return Math.sqrt(s / (x.length - 1));
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  private static JsonNode readJson(String path, Configuration hadoop) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    try (InputStream in = FileSystem.get(p.toUri(), hadoop).open(p)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }
}
