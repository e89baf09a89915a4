package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.dataset.RowIds;
import io.distill.student.TestScores;
import io.distill.student.TrainedStudent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Champion and challenger (a step of the "evaluate" stage of a nightly run): every model of
 * tonight's sweep and the same-named model of the champion's run, scored in one Spark pass over
 * tonight's validation rows joined with tonight's soft labels ({@link TestScores}: errors and
 * agreement with the teacher). It reads no test label. Recorded, so a rerun of the night does not
 * score again unless the students or the champion changed.
 */
final class HoldoutStage {
  private static final Logger LOG = LoggerFactory.getLogger(HoldoutStage.class);

  /** The prefix of a champion model's name among the scored networks. */
  private static final String CHAMPION = "champion:";

  /** Reads no key: what it scores is the students' and the champion's outputs. */
  static final StageParams PARAMS = StageParams.of("holdout", List.of());

  private HoldoutStage() {}

  /** The scores, and the champion's run directory they were compared with (null: none). */
  record Output(List<HoldoutScore> scores, String championRun, long examples)
      implements StageOutput {
    @Override
    public List<String> paths() {
      return List.of();
    }
  }

  static Output run(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      StudentStage.Output students,
      ChampionRun championRun) {
    Map<String, String> championModels = championRun == null ? Map.of() : championRun.models();
    String fingerprint =
        Fingerprint.of("holdout")
            .add("students", students.fingerprint())
            .add("teacher-outputs", soft.teacherOutputs())
            .add("split", data.split().fingerprint())
            .add("champion", championRun == null ? "none" : championRun.given())
            .add(
                "champion-students",
                championRun == null ? "none" : championRun.studentsFingerprint())
            .hex();
    String champion = championRun == null ? null : championRun.given();
    String knownRows = championRun == null ? null : championRun.train();
    return ctx.stages()
        .run(
            "holdout",
            "evaluate",
            fingerprint,
            Output.class,
            key -> {
              if (data.split().validationRows() == 0) {
                LOG.warn(
                    "Holdout: the run has no validation rows; tonight's students cannot be"
                        + " compared with the champion");
                return new Output(List.of(), champion, 0);
              }
              Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
              for (TrainedStudent m : students.models()) {
                nets.put(m.model(), EvaluateStage.restore(ctx, m.modelPath()));
                String theirs = championModels.get(m.model());
                if (theirs != null) {
                  nets.put(CHAMPION + m.model(), EvaluateStage.restore(ctx, theirs));
                }
              }
              int[] shape = ctx.shape(data.data().train());
              ctx.spark()
                  .sparkContext()
                  .setJobDescription(
                      "Holdout: "
                          + students.models().size()
                          + " students of tonight and "
                          + (nets.size() - students.models().size())
                          + " of the champion on "
                          + data.split().validationRows()
                          + " validation rows");
              Map<String, TestScores.Totals> totals =
                  EvaluateStage.validationScores(ctx, data, soft, teacher, shape, nets);
              Map<String, MultiLayerNetwork> tonight = new LinkedHashMap<>(nets);
              tonight.keySet().removeIf(name -> name.startsWith(CHAMPION));
              Map<String, TestScores.Totals> onNewRows =
                  newRowScores(ctx, data, teacher, soft, tonight, knownRows, shape);
              List<HoldoutScore> scores = new ArrayList<>();
              long examples = 0;
              for (TrainedStudent m : students.models()) {
                TestScores.Totals ours = totals.get(m.model());
                TestScores.Totals theirs = totals.get(CHAMPION + m.model());
                TestScores.Totals fresh = onNewRows.get(m.model());
                examples = ours.examples();
                HoldoutScore s =
                    new HoldoutScore(
                        m.model(),
                        m.role(),
                        m.size(),
                        ours.examples(),
                        ours.errors(),
                        ours.accuracy(),
                        (double) ours.agreements() / ours.examples(),
                        theirs == null ? null : theirs.errors(),
                        theirs == null ? null : theirs.accuracy(),
                        fresh == null ? null : (double) fresh.agreements() / fresh.examples());
                LOG.info(
                    "Holdout {}: tonight {} errors of {}, champion {}",
                    s.model(),
                    s.errors(),
                    s.examples(),
                    s.contested() ? s.championErrors() + " errors" : "has no such model");
                scores.add(s);
              }
              return new Output(scores, champion, examples);
            });
  }

  /**
   * Tonight's models on the rows of the training split that the champion's data lacked (all of them
   * without a champion): their agreement with the teacher there. Empty when none was added.
   */
  private static Map<String, TestScores.Totals> newRowScores(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      Map<String, MultiLayerNetwork> nets,
      String knownRows,
      int[] shape) {
    Dataset<Row> rows = ctx.read(data.data().train());
    if (knownRows != null) {
      rows = RowIds.absentFrom(rows, ctx.read(knownRows));
    }
    ctx.spark().sparkContext().setJobDescription("Holdout: the rows added since the champion");
    if (rows.isEmpty()) {
      return Map.of();
    }
    return EvaluateStage.trainingRowScores(
        ctx,
        rows,
        data.data().train() + " (rows added since the champion)",
        soft,
        teacher,
        shape,
        nets);
  }
}
