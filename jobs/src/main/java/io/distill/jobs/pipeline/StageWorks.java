package io.distill.jobs.pipeline;

import io.distill.jobs.report.StageWork;
import io.distill.student.ModelMetrics;
import io.distill.student.TrainedStudent;
import io.distill.trainer.EpochStats;
import io.distill.trainer.NetworkFlops;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each stage of a run processed, for the report's "where the time goes": read from the stages'
 * outputs and the metrics (each model's forward flops per example), so that it is the same whether
 * a stage ran now or was reused. Training counts the examples of every epoch at {@link
 * NetworkFlops#TRAINING_PASSES} forward passes each (the per-epoch validation passes are in the
 * time, not in the count); evaluation counts the students' passes over the test split (the
 * teacher's test outputs are read from its soft labels, not recomputed).
 */
final class StageWorks {
  private StageWorks() {}

  static Map<String, StageWork> of(
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      StudentStage.Output students,
      List<ModelMetrics> metrics) {
    Map<String, Double> flops = new LinkedHashMap<>();
    metrics.forEach(m -> flops.put(m.model(), m.forwardFlops()));
    double teacherFlops = flops.getOrDefault(ModelMetrics.TEACHER, Double.NaN);
    DataStage.Split split = data.split();
    long dataRows = split.trainingRows() + split.validationRows() + split.testRows();

    Map<String, StageWork> out = new LinkedHashMap<>();
    out.put("import", new StageWork("rows", dataRows, Double.NaN));
    long teacherExamples = examples(teacher.history());
    if (teacherExamples > 0) {
      out.put(
          "teacher",
          new StageWork(
              "examples trained",
              teacherExamples,
              NetworkFlops.TRAINING_PASSES * teacherFlops * teacherExamples));
    }
    // The rows the teacher ran over when the stage ran (not those taken from the soft-label cache
    // or, for a transfer set's training rows, from the training split's soft labels).
    long labelled = soft.labelledRows();
    out.put("soft-labels", new StageWork("rows labelled", labelled, teacherFlops * labelled));
    long trained = 0;
    double trainingFlops = 0;
    long scored = 0;
    double scoringFlops = 0;
    for (TrainedStudent s : students.models()) {
      long n = examples(s.history());
      double f = flops.getOrDefault(s.model(), Double.NaN);
      trained += n;
      trainingFlops += NetworkFlops.TRAINING_PASSES * f * n;
      scored += split.testRows();
      scoringFlops += f * split.testRows();
    }
    out.put("students", new StageWork("examples trained", trained, trainingFlops));
    out.put("evaluate", new StageWork("rows scored", scored, scoringFlops));
    return out;
  }

  private static long examples(List<EpochStats> history) {
    return history == null ? 0 : history.stream().mapToLong(EpochStats::examples).sum();
  }
}
