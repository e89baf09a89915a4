package io.distill.bench;

import io.distill.jobs.config.ConfigArguments;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.StudentSize;
import io.distill.jobs.pipeline.HistoryRow;
import io.distill.jobs.pipeline.RunResults;
import io.distill.jobs.report.HintonReference;
import io.distill.jobs.report.RunSummary;
import io.distill.student.ModelMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.apache.spark.sql.SparkSession;

/**
 * Reads a finished run and writes its distillation-quality table into one section of
 * docs/BENCHMARKS.md, from the same {@link RunSummary} the run's report uses: per shape (sizes
 * listed under several seeds) the hard-label baselines' and the distilled students' test errors
 * (mean ± spread over seeds, every seed's value), their validation errors at the epoch kept (the
 * figures any choice was made on; the test split is evaluated once, at the end), the share of the
 * baseline→teacher gap closed, agreement, parameters, bytes, latency and throughput (means over the
 * seeds), Hinton et al.'s figures beside ours, which targets are met, and the wall time of each
 * stage. Run by bench/quality:
 *
 * <pre>
 * spark-submit --class io.distill.bench.QualityBenchmark --jars distill-job.jar distill-bench.jar REPORT.md SECTION \
 *     TITLE COMMAND [--config FILE] [--set key=value]...
 * </pre>
 */
public final class QualityBenchmark {
  private QualityBenchmark() {}

  public static void main(String[] args) {
    if (args.length < 4) {
      System.err.println(
          "usage: QualityBenchmark REPORT.md SECTION TITLE COMMAND [--config FILE] [--set k=v]...");
      System.exit(2);
    }
    RunConfig config = config(List.of(args).subList(4, args.length));
    SparkSession spark = SparkSession.builder().appName("distill: quality benchmark").getOrCreate();
    String markdown = report(spark, config, args[2], args[3]);
    BenchmarkReport.writeSection(Path.of(args[0]), args[1], markdown);
    System.out.println(markdown);
  }

  private static RunConfig config(List<String> args) {
    String file = null;
    List<String> overrides = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--config" -> file = args.get(++i);
        case "--set" -> overrides.add(args.get(++i));
        case "--stages" -> overrides.add(ConfigArguments.stages(args.get(++i)));
        default -> {}
      }
    }
    return new ConfigArguments(file, overrides).load();
  }

  static String report(SparkSession spark, RunConfig config, String title, String command) {
    String runDir = config.get(Params.RUN_DIR);
    RunResults results = RunResults.of(spark, runDir);
    Map<String, String> shapes = new LinkedHashMap<>();
    for (StudentSize s : config.studentSizes()) {
      shapes.put(s.name(), s.shape());
    }
    RunSummary summary = RunSummary.of(results.metrics(), shapes);
    ModelMetrics teacher =
        summary
            .teacher()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "Run " + runDir + " has no teacher row in its metrics"));
    Map<String, Long> validationErrors =
        validationErrors(results.history(), config.get(Params.DATA_VALIDATION_ROWS));
    Map<?, ?> teacherRecord = results.teacher().orElse(Map.of());

    StringBuilder md = new StringBuilder("## ").append(title).append("\n\n");
    md.append("Command: `")
        .append(command)
        .append("` (")
        .append(BenchmarkReport.machine())
        .append(")  \n");
    md.append("Run: `")
        .append(runDir)
        .append("`; test errors out of ")
        .append(String.format("%,d", teacher.testExamples()))
        .append(", each model evaluated once on the test split;" + " validation errors (of ")
        .append(String.format("%,d", config.get(Params.DATA_VALIDATION_ROWS)))
        .append(" rows held out of the training split) at the epoch kept.\n\n");
    md.append(describe(config, teacherRecord)).append("\n\n");
    md.append(
            "| model | T | α | seeds | test errors (mean ± sd) | per seed | validation errors | gap closed"
                + " | agreement with teacher | parameters | bytes | latency p50 ms | examples/s | Hinton et al. |\n")
        .append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    Long teacherValidation =
        validationErrors.get(teacher.model()); // none when the run was given its teacher
    md.append(
        String.format(
            "| teacher %s | | | 1 | **%d** | | %s | | | %,d | %,d | %.3f | %,.0f | %d |%n",
            teacher.size(),
            teacher.testErrors(),
            teacherValidation == null ? "" : teacherValidation,
            teacher.parameters(),
            teacher.serializedBytes(),
            teacher.latencyP50Millis(),
            teacher.throughputPerSecond(),
            HintonReference.TEACHER_ERRORS));
    List<String> targets = new ArrayList<>();
    targets.add(
        check(
            teacher.testErrors() <= 60,
            "teacher ≤ 60 test errors (Hinton et al.: "
                + HintonReference.TEACHER_ERRORS
                + "): "
                + teacher.testErrors()));
    for (RunSummary.ShapeSummary s : summary.shapes()) {
      OptionalDouble gap = s.gapClosed(summary.teacher());
      String closed = gap.isPresent() ? String.format("%.0f %%", 100 * gap.getAsDouble()) : "n/a";
      boolean hinton = s.shape().equals(HintonReference.SIZE);
      md.append(
          row(
              s.shape() + " baseline",
              "",
              "",
              s.seeds().stream().map(RunSummary.SizeSummary::baseline).toList(),
              validationErrors,
              "",
              hinton ? Long.toString(HintonReference.BASELINE_ERRORS) : ""));
      md.append(
          row(
              "**" + s.shape() + " distilled**",
              fmt(s.temperature()),
              fmt(s.alpha()),
              s.seeds().stream().map(RunSummary.SizeSummary::distilled).toList(),
              validationErrors,
              closed,
              hinton
                  ? HintonReference.DISTILLED_ERRORS + " (T=" + HintonReference.TEMPERATURE + ")"
                  : ""));
      String label =
          s.shape()
              + " (T="
              + fmt(s.temperature())
              + ", α="
              + fmt(s.alpha())
              + ", "
              + s.seeds().size()
              + " seed"
              + (s.seeds().size() == 1 ? "" : "s")
              + ")";
      targets.add(
          check(
              s.distillationWins(),
              String.format(
                  "%s: distilled (%.1f) fewer errors than baseline (%.1f)%s",
                  label, s.distilledMean(), s.baselineMean(), paired(s))));
      if (s.shape().equals("800x800") || s.shape().equals("300x300")) {
        targets.add(
            check(
                gap.isPresent() && gap.getAsDouble() >= 0.5,
                label + ": closes ≥ 50 % of the" + " baseline→teacher gap: " + closed));
      }
      if (hinton) {
        targets.add(
            check(
                s.distilledMean() <= HintonReference.DISTILLED_ERRORS,
                String.format(
                    "%s distilled ≤ %d errors (Hinton et al.'s figure): %.1f",
                    label, HintonReference.DISTILLED_ERRORS, s.distilledMean())));
        targets.add(
            check(
                s.distilledMean() <= 65,
                String.format(
                    "%s distilled ≤ 65 errors (stretch): %.1f", label, s.distilledMean())));
      }
    }
    md.append("\n")
        .append(summary.verdict())
        .append(
            " Gap closed = (baseline − distilled) / (baseline − teacher),"
                + " on the means; spread = sample standard deviation over seeds (0 for one seed). Latency: one example per"
                + " call, p50; throughput at the evaluation's batch; both one ND4J thread in one JVM, medians after warm-up,"
                + " means over the seeds.\n\nTargets:\n\n");
    targets.forEach(t -> md.append("- ").append(t).append('\n'));
    md.append(searchTable(results.manifest()));
    md.append(
        "\nWall time per stage (as it last ran, from `_stages/`):\n\n| stage | seconds |\n|---|---:|\n");
    double total = 0;
    for (Map.Entry<String, Double> e : results.stageSeconds().entrySet()) {
      total += e.getValue();
      md.append(String.format("| %s | %,.0f |%n", e.getKey(), e.getValue()));
    }
    md.append(String.format("| **total** | **%,.0f** |%n", total));
    double training =
        summary.models().stream()
            .filter(m -> !ModelMetrics.TEACHER.equals(m.role()))
            .mapToDouble(ModelMetrics::trainingSeconds)
            .sum();
    md.append(
        String.format(
            "%nA stage (or a student) already made for the same inputs is reused, so a stage's"
                + " seconds cover only what its last run did; the students' own training times sum to %,.0f s.%n",
            training));
    return md.toString();
  }

  /**
   * "; on the test rows 60 only right distilled, 35 only right baseline: McNemar p 0.013" for a
   * one-seed shape whose metrics have the paired counts, else "".
   */
  private static String paired(RunSummary.ShapeSummary s) {
    if (s.seeds().size() != 1) {
      return "";
    }
    return s.distilled()
        .paired()
        .map(
            p ->
                String.format(
                    "; on the test rows %,d only right distilled, %,d only right baseline: McNemar p"
                        + " %.3f",
                    p.distilledOnlyRight(), p.baselineOnlyRight(), p.exactP()))
        .orElse("");
  }

  /**
   * A chosen setting's soft term: "KL" (Hinton's), "DKD β 8" (decoupled, Zhao et al. 2022), either
   * "on z-scores" when standardised; "—" for hard labels only.
   */
  private static String softTerm(Map<?, ?> chosen) {
    if (((Number) chosen.get("alpha")).doubleValue() >= 1) {
      return "—";
    }
    double beta = chosen.get("dkdBeta") instanceof Number n ? n.doubleValue() : 0;
    return (beta > 0 ? "DKD β " + fmt(beta) : "KL")
        + (Boolean.TRUE.equals(chosen.get("standardisedLogits")) ? " on z-scores" : "");
  }

  /**
   * The settings each model's search chose on validation (the manifest's {@code search}), or
   * nothing when the run's settings were fixed.
   */
  private static String searchTable(Map<?, ?> manifest) {
    if (!(manifest.get("search") instanceof Map<?, ?> search) || search.isEmpty()) {
      return "";
    }
    StringBuilder md =
        new StringBuilder(
            "\nSettings chosen per model by the search on validation (students.search = halving; every"
                + " trial in the run's report):\n\n| model | trials | T | α | soft term | lr | decay"
                + " | seed | validation accuracy | epochs trained (full trainings) | seconds |\n"
                + "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
    search.forEach(
        (model, value) -> {
          Map<?, ?> s = (Map<?, ?>) value;
          Map<?, ?> c = (Map<?, ?>) s.get("chosen");
          double cost = ((Number) s.get("costEpochs")).doubleValue();
          double full = ((Number) s.get("fullEpochs")).doubleValue();
          md.append(
              String.format(
                  "| %s | %d | %s | %s | %s | %s | %s | %s | %.2f %% | %.0f (%.1f×) | %,.0f |%n",
                  model,
                  ((List<?>) s.get("trials")).size(),
                  c.get("temperature") == null
                      ? ""
                      : fmt(((Number) c.get("temperature")).doubleValue()),
                  fmt(((Number) c.get("alpha")).doubleValue()),
                  softTerm(c),
                  c.get("learningRate") == null ? "" : c.get("learningRate"),
                  c.get("lrDecay") == null ? "" : c.get("lrDecay"),
                  c.get("seed"),
                  100 * ((Number) c.get("validationAccuracy")).doubleValue(),
                  cost,
                  cost / full,
                  ((Number) s.get("seconds")).doubleValue()));
        });
    return md.toString();
  }

  /**
   * The teacher and the students as this run trained them, from its configuration and the teacher's
   * record.
   */
  private static String describe(RunConfig c, Map<?, ?> teacher) {
    String json = c.get(Params.TEACHER_DL4J_JSON);
    String given = c.get(Params.TEACHER_MODEL);
    String t =
        given != null
            ? "given as " + given + " (" + teacher.get("configuration") + ")"
            : String.format(
                "%s (%s), %d epochs with input jitter ±%d px, epoch %s kept (best validation accuracy)",
                teacher.get("configuration"),
                json != null
                    ? json
                    : "MLP, dropout retain "
                        + c.get(Params.TEACHER_INPUT_RETAIN)
                        + " / "
                        + c.get(Params.TEACHER_HIDDEN_RETAIN)
                        + ", Nesterov lr "
                        + c.get(Params.TEACHER_LEARNING_RATE)
                        + " × "
                        + c.get(Params.TEACHER_LR_DECAY)
                        + " per epoch",
                c.get(Params.TEACHER_EPOCHS),
                c.get(Params.TEACHER_JITTER),
                teacher.get("epochs"));
    return String.format(
        "Teacher: %s. Students: %d epochs, Adam lr %s × %s per epoch where a size or the search sets"
            + " none (a dl4j-json student: its JSON's optimiser), dropout retain %s / %s,"
            + " input jitter ±%d px; transfer set = training rows + %d jittered cop%s (±%d px); baselines train on"
            + " the same rows, epochs and jitter with hard labels only. Workers %d, batch %d per worker%s,"
            + " averaging every %d steps.",
        t,
        c.get(Params.STUDENTS_EPOCHS),
        c.get(Params.STUDENTS_LEARNING_RATE),
        c.get(Params.STUDENTS_LR_DECAY),
        c.get(Params.STUDENTS_INPUT_RETAIN),
        c.get(Params.STUDENTS_HIDDEN_RETAIN),
        c.get(Params.STUDENTS_JITTER),
        c.get(Params.SOFT_LABELS_TRANSFER_COPIES),
        c.get(Params.SOFT_LABELS_TRANSFER_COPIES) == 1 ? "y" : "ies",
        c.get(Params.SOFT_LABELS_TRANSFER_JITTER),
        c.get(Params.TRAINING_WORKERS),
        c.get(Params.STUDENTS_BATCH_SIZE),
        c.get(Params.STUDENTS_MIN_STEPS_PER_EPOCH) == 0
            ? ""
            : " (lowered where a worker would take fewer than "
                + c.get(Params.STUDENTS_MIN_STEPS_PER_EPOCH)
                + " steps per epoch)",
        c.get(Params.STUDENTS_AVERAGING_PERIOD));
  }

  /** Each model's validation errors at its kept epoch: the teacher's best, a student's last. */
  private static Map<String, Long> validationErrors(List<HistoryRow> history, long rows) {
    Map<String, Long> out = new LinkedHashMap<>();
    Map<String, HistoryRow> kept = new LinkedHashMap<>();
    for (HistoryRow h : history) {
      HistoryRow k = kept.get(h.model());
      boolean teacher = ModelMetrics.TEACHER.equals(h.role());
      if (k == null
          || (teacher ? h.validationAccuracy() > k.validationAccuracy() : h.epoch() > k.epoch())) {
        kept.put(h.model(), h);
      }
    }
    kept.forEach((m, h) -> out.put(m, Math.round((1 - h.validationAccuracy()) * rows)));
    return out;
  }

  private static String row(
      String name,
      String t,
      String alpha,
      List<ModelMetrics> models,
      Map<String, Long> validation,
      String closed,
      String hinton) {
    List<Long> errors = models.stream().map(ModelMetrics::testErrors).toList();
    double mean = errors.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
    double sd =
        errors.size() < 2
            ? 0
            : Math.sqrt(
                errors.stream().mapToDouble(e -> (e - mean) * (e - mean)).sum()
                    / (errors.size() - 1));
    double valid =
        models.stream()
            .mapToLong(m -> validation.getOrDefault(m.model(), -1L))
            .average()
            .orElse(-1);
    ModelMetrics first = models.get(0);
    return String.format(
        "| %s | %s | %s | %d | %.1f ± %.1f | %s | %.1f | %s | %.2f %% | %,d | %,d | %.3f | %,.0f | %s"
            + " |%n",
        name,
        t,
        alpha,
        models.size(),
        mean,
        sd,
        String.join(", ", errors.stream().map(String::valueOf).toList()),
        valid,
        closed,
        100
            * models.stream()
                .mapToDouble(ModelMetrics::teacherAgreement)
                .average()
                .orElse(Double.NaN),
        first.parameters(),
        first.serializedBytes(),
        models.stream().mapToDouble(ModelMetrics::latencyP50Millis).average().orElse(Double.NaN),
        models.stream().mapToDouble(ModelMetrics::throughputPerSecond).average().orElse(Double.NaN),
        hinton);
  }

  private static String check(boolean met, String what) {
    return (met ? "**met**: " : "**not met**: ") + what;
  }

  private static String fmt(double x) {
    if (Double.isNaN(x)) {
      return "—";
    }
    return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
  }
}
