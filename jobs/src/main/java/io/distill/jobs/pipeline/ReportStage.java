package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.StudentSize;
import io.distill.jobs.report.RunFacts;
import io.distill.jobs.report.RunReport;
import io.distill.jobs.report.RunSummary;
import io.distill.student.ModelMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * The "report" stage: report.md, report.html and the chart, from the metrics and the run's facts.
 */
final class ReportStage {
  private ReportStage() {}

  /** The report's directory. */
  record Output(String report) implements StageOutput {
    @Override
    public List<String> paths() {
      return List.of(report);
    }
  }

  /** The shape of each student size, to group the sizes listed under several seeds. */
  static Map<String, String> shapes(PipelineContext ctx) {
    Map<String, String> shapes = new LinkedHashMap<>();
    for (StudentSize s : ctx.config().studentSizes()) {
      shapes.put(s.name(), s.shape());
    }
    return shapes;
  }

  /** The report shows the whole configuration, so every key is its input. */
  static final StageParams PARAMS = StageParams.of("report", Params.ALL);

  static Output run(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      StudentStage.Output students,
      List<ModelMetrics> metrics,
      TeacherCheck check,
      DistillationTarget target) {
    DataStage.Split s = data.split();
    String source =
        ctx.config().get(Params.DATA_TRAIN) != null
            ? ctx.config().get(Params.DATA_TRAIN) + " and " + ctx.config().get(Params.DATA_TEST)
            : ctx.config().get(Params.DATA_INPUT);
    String dataset =
        String.format(
                "%s: %,d training, %,d validation (held out of the training split), %,d test rows",
                source, s.trainingRows(), s.validationRows(), s.testRows())
            + (data.data().quarantinedRows() > 0
                ? String.format(
                    "; %,d rows failed the import's checks and are in %s",
                    data.data().quarantinedRows(), data.data().quarantine())
                : "");
    String teacherFacts =
        (teacher.description() != null ? teacher.description() : teacher.configuration())
            + (teacher.trainingRows() > s.trainingRows()
                ? String.format(
                    ". The teacher learned from %,d rows, the students"
                        + " learn from %,d: a teacher that has seen more data than its students is the situation distillation is"
                        + " for",
                    teacher.trainingRows(), s.trainingRows())
                : "");
    String checks =
        check == null ? null : check.line() + (target == null ? "" : "\n\n" + target.line());
    if (students.assistants() != null && !students.assistants().isEmpty()) {
      StringBuilder b =
          new StringBuilder(
              "Teacher assistants (students.assistant = on), chosen on validation per size:");
      students.assistants().forEach(a -> b.append(' ').append(a.line()).append('.'));
      checks = checks == null ? b.toString() : checks + "\n\n" + b;
    }
    String checkLine = checks;
    String fingerprint =
        Fingerprint.of("report")
            .add("teacher-check", String.valueOf(checkLine))
            // The metrics' rows (a few per run), not the table's path: a table evaluated again with
            // new columns or figures renders a new report.
            .add("metrics", metrics)
            .add("config", ctx.config().resolved())
            .add("dataset", dataset)
            .add("teacher", teacherFacts)
            .add("searches", students.searches())
            .hex();
    return ctx.stages()
        .run(
            "report",
            fingerprint,
            Output.class,
            key -> {
              String dir = ctx.run().root();
              RunFacts facts =
                  new RunFacts(
                      new Path(dir).getName(),
                      dir,
                      dataset,
                      teacherFacts,
                      ctx.stages().recordedSeconds(),
                      StageWorks.of(data, teacher, soft, students, metrics),
                      ctx.config().resolved(),
                      checkLine,
                      students.searches());
              RunReport.of(facts, RunSummary.of(metrics, shapes(ctx)))
                  .writeTo(ctx.run().report(), ctx.hadoop());
              return new Output(ctx.run().report());
            });
  }
}
