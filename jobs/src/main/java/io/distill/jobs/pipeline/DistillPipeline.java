package io.distill.jobs.pipeline;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.HadoopFiles;
import io.distill.dataset.ImportMnistAction;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.report.SearchSection;
import io.distill.student.ModelMetrics;
import io.distill.student.StudentSweep;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.TrainTeacherAction;
import io.distill.trainer.TrainingDivergedException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole distillation run in one Spark application: import (and the validation split) → teacher
 * (given, or trained) → soft labels → the student sweep → evaluation → report, all under one {@link
 * RunDirectory}.
 *
 * <p>Each stage records a fingerprint of its complete inputs and its typed output when it finishes
 * ({@link StageRunner}); a rerun reuses a stage whose record matches and whose outputs exist, and
 * students are reused one by one. Stages left out of {@code distill.stages} reuse their earlier
 * outputs (or fail, naming the stage, when there are none). The manifest is written at the start
 * (status "running") and at the end ("succeeded" or "failed" with the reason); {@code _SUCCESS} is
 * removed at the start and written last.
 *
 * <p>Cost: that of the stages (see {@link ImportMnistAction}, {@link TrainTeacherAction}, {@link
 * SoftLabelAction}, {@link StudentSweep}, {@link EvaluateStage}); nothing of a dataset is collected
 * to the driver but the timing sample.
 */
public final class DistillPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(DistillPipeline.class);

  private final SparkSession spark;
  private final RunConfig config;
  private final RunDirectory run;
  private boolean holdout;
  private String championRun;

  private DistillPipeline(SparkSession spark, RunConfig config) {
    this.spark = spark;
    this.config = config;
    this.run =
        new RunDirectory(config.get(Params.RUN_DIR), spark.sparkContext().hadoopConfiguration());
  }

  public static DistillPipeline of(SparkSession spark, RunConfig config) {
    return new DistillPipeline(spark, config);
  }

  /** The teacher check's one line: a warning when the teacher is not the stronger. */
  private static void logCheck(TeacherCheck check) {
    if (check.teacherIsStronger()) {
      LOG.info(check.line());
    } else {
      LOG.warn(check.line());
    }
  }

  /**
   * Whether {@code stage} is the last of {@code distill.stages}: the later stages are not even
   * looked up.
   */
  private boolean lastRequested(String stage) {
    List<String> requested = config.get(Params.STAGES);
    return requested.get(requested.size() - 1).equals(stage);
  }

  /** A run asked to stop before the report: recorded as "partial", without {@code _SUCCESS}. */
  private Result partial(Map<String, Object> manifest, StageRunner stages) {
    manifest.put("stages", stages.times());
    manifest.put("status", "partial");
    manifest.put("finishedAt", Instant.now().toString());
    run.writeManifest(manifest);
    LOG.info(
        "Run {}: the stages asked for are done ({}); no _SUCCESS: the run is not complete",
        run.root(),
        stages.times().keySet());
    return new Result(run.root(), List.of(), Map.copyOf(stages.times()), List.of());
  }

  /**
   * The outcome: the run directory, the metrics rows, per-stage status and seconds, and (when asked
   * for with {@link #holdout}) tonight's models beside the champion's on the holdout.
   */
  public record Result(
      String runDir,
      List<ModelMetrics> metrics,
      Map<String, Map<String, Object>> stages,
      List<HoldoutScore> holdout) {}

  /**
   * Also scores every student, and the same-named student of {@code championRun} (a finished run;
   * null: none yet), on this run's validation rows, in the evaluate stage: what a nightly run's
   * promotion decides on.
   */
  public DistillPipeline holdout(String championRun) {
    this.holdout = true;
    this.championRun = championRun;
    return this;
  }

  public Result execute() {
    run.requireOwnable();
    try (RunLease lease =
        RunLease.acquire(
            run.root(),
            spark.sparkContext().hadoopConfiguration(),
            Duration.ofSeconds(config.get(Params.RUN_LEASE_TIMEOUT)))) {
      int recovered =
          AtomicDirectoryCommit.recoverUnder(
              run.root(), spark.sparkContext().hadoopConfiguration());
      if (recovered > 0) {
        LOG.warn(
            "Run {}: finished or undid {} output(s) an earlier run was publishing when it stopped",
            run.root(),
            recovered);
      }
      return executeHoldingTheLease();
    }
  }

  private Result executeHoldingTheLease() {
    StageRunner stages = new StageRunner(run, config);
    PipelineContext ctx = new PipelineContext(spark, config, run, stages);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("runDir", run.root());
    manifest.put("status", "running");
    manifest.put("startedAt", Instant.now().toString());
    manifest.put("codeVersion", HadoopFiles.codeVersion());
    manifest.put("sparkVersion", spark.version());
    manifest.put("master", spark.sparkContext().master());
    manifest.put("config", config.asMap());
    run.delete(RunDirectory.SUCCESS);
    run.writeManifest(manifest);
    try {
      DataStage.Output data = DataStage.run(ctx.forStage(DataStage.PARAMS));
      DataStage.Split split = data.split();
      manifest.put(
          "data",
          Map.of(
              "train",
              data.data().train(),
              "test",
              data.data().test(),
              "sha256",
              data.data().fingerprint(),
              "rows",
              Map.of(
                  "training",
                  split.trainingRows(),
                  "validation",
                  split.validationRows(),
                  "test",
                  split.testRows()),
              "quarantined",
              data.data().quarantinedRows()));
      if (lastRequested("import")) {
        return partial(manifest, stages);
      }
      TeacherStage.Output teacher = TeacherStage.run(ctx.forStage(TeacherStage.PARAMS), data);
      // What the students continue from and are compared with, read once.
      ChampionRun champion =
          championRun == null
              ? null
              : ChampionRun.read(championRun, spark.sparkContext().hadoopConfiguration());
      Map<String, Object> teacherSection = new LinkedHashMap<>();
      teacherSection.put("model", teacher.model());
      teacherSection.put("sha256", teacher.fingerprint());
      if (teacher.search() != null) {
        teacherSection.put("search", teacher.search().asMap());
      }
      manifest.put("teacher", teacherSection);
      if (lastRequested("teacher")) {
        return partial(manifest, stages);
      }
      SoftLabelStage.Output soft =
          SoftLabelStage.run(ctx.forStage(SoftLabelStage.PARAMS), data, teacher);
      boolean labelledNow = "ran".equals(stages.times().get("soft-labels").get("status"));
      manifest.put(
          "softLabels",
          Map.of(
              "labelledRows",
              labelledNow ? soft.labelledRows() : 0L,
              "cache",
              String.valueOf(config.get(Params.SOFT_LABELS_CACHE))));
      if (lastRequested("soft-labels")) {
        return partial(manifest, stages);
      }
      // The teacher check, said as soon as the baselines are trained, before any distilled
      // student trains; computed after the stage when it was reused.
      AtomicReference<TeacherCheck> early = new AtomicReference<>();
      StudentStage.Output students =
          StudentStage.run(
              ctx.forStage(StudentStage.PARAMS),
              data,
              teacher,
              soft,
              champion,
              baselines -> {
                TeacherCheck c = TeacherCheck.of(ctx, data, soft, baselines);
                if (c != null) {
                  early.set(c);
                  logCheck(c);
                }
              });
      if (students.start() != null) {
        manifest.put("students", Map.of("start", students.start()));
      }
      if (students.assistants() != null) {
        manifest.put("assistants", students.assistants());
      }
      if (!students.searches().isEmpty()) {
        manifest.put("search", SearchSection.asMap(students.searches()));
      }
      TeacherCheck check = early.get();
      if (check == null) {
        check = TeacherCheck.of(ctx, data, soft, students.models());
        if (check != null) {
          logCheck(check);
        }
      }
      if (check != null) {
        Map<String, Object> section = new LinkedHashMap<>(check.asMap());
        section.put("when", early.get() != null ? "before distilling" : "after the students");
        manifest.put("teacherCheck", section);
      }
      if (lastRequested("students")) {
        return partial(manifest, stages);
      }
      EvaluateStage.Output evaluated =
          EvaluateStage.run(ctx.forStage(EvaluateStage.PARAMS), data, teacher, soft, students);
      List<ModelMetrics> metrics = Tables.read(ctx, evaluated.metrics(), ModelMetrics.class);
      List<HoldoutScore> holdoutScores = List.of();
      if (holdout) {
        HoldoutStage.Output h =
            HoldoutStage.run(
                ctx.forStage(HoldoutStage.PARAMS), data, teacher, soft, students, champion);
        holdoutScores = h.scores();
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("champion", h.championRun());
        section.put("examples", h.examples());
        section.put("models", holdoutScores);
        manifest.put("holdout", section);
      }
      DistillationTarget target = null;
      Double drop = config.get(Params.STUDENTS_TARGET_ACCURACY_DROP);
      Double agreement = config.get(Params.STUDENTS_TARGET_AGREEMENT);
      if ((drop != null || agreement != null) && check != null) {
        Map<String, Double> agreements =
            agreement == null
                ? Map.of()
                : DistillationTarget.validationAgreements(
                    ctx, data, teacher, soft, students.models());
        target =
            DistillationTarget.of(
                    drop,
                    agreement,
                    check,
                    students.models(),
                    DistillationTarget.parameters(metrics),
                    agreements,
                    students.grownSizes(),
                    students.growthStopped())
                .orElse(null);
        if (target != null) {
          manifest.put("target", target.asMap());
        }
      }
      if (lastRequested("evaluate")) {
        return partial(manifest, stages);
      }
      ReportStage.run(
          ctx.forStage(ReportStage.PARAMS), data, teacher, soft, students, metrics, check, target);
      manifest.put("stages", stages.times());
      manifest.put("models", metrics.size());
      manifest.put("status", "succeeded");
      manifest.put("finishedAt", Instant.now().toString());
      run.writeManifest(manifest);
      run.markSuccess();
      LOG.info(
          "Run {} succeeded: {} models; stages {}", run.root(), metrics.size(), stages.times());
      if (target != null) {
        LOG.info(target.line()); // the run's answer, last
      }
      return new Result(run.root(), metrics, Map.copyOf(stages.times()), holdoutScores);
    } catch (Exception e) { // also Spark's checked SparkException, which Spark throws undeclared
      manifest.put("stages", stages.times());
      manifest.put("status", "failed");
      manifest.put("error", String.valueOf(e.getMessage()));
      if (e instanceof TrainingDivergedException d) {
        // The model that diverged, for whoever reads the run: nothing of it was published.
        manifest.put(
            "diverged",
            Map.of("model", d.model(), "epoch", d.epoch(), "loss", String.valueOf(d.loss())));
      }
      manifest.put("finishedAt", Instant.now().toString());
      try {
        run.writeManifest(manifest);
      } catch (RuntimeException ignored) {
        // the run directory itself may be what failed; the original error is what matters
      }
      throw e;
    }
  }
}
