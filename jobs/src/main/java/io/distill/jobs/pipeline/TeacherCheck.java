package io.distill.jobs.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.distill.dataset.DatasetSchema;
import io.distill.student.TrainedStudent;
import io.distill.teacher.SoftLabelSchema;
import io.distill.trainer.EpochStats;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Is the teacher stronger than the students it is to teach? Judged on the validation rows (never
 * the test split): the teacher's accuracy there (from the soft labels the run already has, no
 * inference) against the best validation accuracy of each hard-label baseline. A teacher that is
 * not more accurate than some baseline cannot make distillation help at that size (at best it
 * copies a weaker model), and the run says so in one line.
 *
 * @param teacherValidationAccuracy the teacher's accuracy on the validation rows
 * @param strongestBaseline the baseline with the best validation accuracy (its best epoch)
 * @param baselineValidationAccuracy that accuracy
 * @param validationRows how many rows both were judged on
 */
public record TeacherCheck(
    double teacherValidationAccuracy,
    String strongestBaseline,
    double baselineValidationAccuracy,
    long validationRows) {

  /** Whether the teacher is more accurate on validation than every baseline. */
  public boolean teacherIsStronger() {
    return teacherValidationAccuracy > baselineValidationAccuracy;
  }

  /** The one line the log and the report give. */
  public String line() {
    String figures =
        String.format(
            "%.2f %% vs %.2f %% on %,d validation rows",
            100 * teacherValidationAccuracy, 100 * baselineValidationAccuracy, validationRows);
    return teacherIsStronger()
        ? "Teacher check: the teacher is more accurate than every hard-label baseline on validation"
            + " (the strongest, "
            + strongestBaseline
            + ": "
            + figures
            + ")."
        : "Teacher check: the teacher is "
            + (teacherValidationAccuracy < baselineValidationAccuracy
                ? "weaker than"
                : "no more accurate than")
            + " the hard-label student "
            + strongestBaseline
            + " on validation ("
            + figures
            + "): distillation cannot help; give a stronger teacher or train longer.";
  }

  /** For the manifest. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("teacherValidationAccuracy", teacherValidationAccuracy);
    m.put("strongestBaseline", strongestBaseline);
    m.put("baselineValidationAccuracy", baselineValidationAccuracy);
    m.put("validationRows", validationRows);
    m.put("teacherIsStronger", teacherIsStronger());
    return m;
  }

  /**
   * The check against the trained baselines among {@code students} (the sweep calls it with the
   * baselines before any distilled student trains): null when the run has no validation rows or no
   * baseline.
   */
  static TeacherCheck of(
      PipelineContext ctx,
      DataStage.Output data,
      SoftLabelStage.Output soft,
      List<TrainedStudent> students) {
    TrainedStudent strongest = null;
    double best = Double.NEGATIVE_INFINITY;
    for (TrainedStudent s : students) {
      if (!"baseline".equals(s.role())) {
        continue;
      }
      for (EpochStats e : s.history()) {
        if (!Double.isNaN(e.validationAccuracy()) && e.validationAccuracy() > best) {
          best = e.validationAccuracy();
          strongest = s;
        }
      }
    }
    if (strongest == null) {
      return null;
    }
    Dataset<Row> labels = ctx.read(soft.train());
    String predicted =
        Arrays.asList(labels.columns()).contains(SoftLabelSchema.TEACHER_LOGITS)
            ? "array_position("
                + SoftLabelSchema.TEACHER_LOGITS
                + ", array_max("
                + SoftLabelSchema.TEACHER_LOGITS
                + ")) - 1"
            : SoftLabelSchema.TOP_K_INDICES + "[0]";
    ctx.spark()
        .sparkContext()
        .setJobDescription("Teacher check: the teacher's accuracy on the validation rows");
    Row r =
        data.validationRows(ctx)
            .select(col(DatasetSchema.ID), col(DatasetSchema.LABEL))
            .join(
                labels.select(col(DatasetSchema.ID), expr(predicted).as("predicted")),
                DatasetSchema.ID)
            .agg(
                expr("count(1)"),
                expr("sum(CASE WHEN predicted = " + DatasetSchema.LABEL + " THEN 1 ELSE 0 END)"))
            .first();
    long rows = r.getLong(0);
    if (rows == 0) {
      return null;
    }
    return new TeacherCheck((double) r.getLong(1) / rows, strongest.model(), best, rows);
  }
}
