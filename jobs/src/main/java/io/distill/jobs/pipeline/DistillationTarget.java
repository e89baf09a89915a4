package io.distill.jobs.pipeline;

import io.distill.student.ModelMetrics;
import io.distill.student.TestScores;
import io.distill.student.TrainedStudent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Distil to a target ({@code students.target-accuracy-drop}, {@code students.target-agreement}, or
 * both; {@code --target} on the command line): the smallest distilled student of the sweep whose
 * validation accuracy is at most that many points below the teacher's and whose agreement with the
 * teacher on the validation rows is at least that share, judged on the validation rows only (the
 * teacher's accuracy from {@link TeacherCheck}, each student's that of the epoch its model is from,
 * {@link TrainedStudent#validationAccuracy()}); when none is, the closest one (the most accurate,
 * or the most faithful for an agreement target alone) and by how much it misses. The students grown
 * or narrowed for the target ({@link WidthGrowth}) are candidates as the sweep's are.
 *
 * @param maxDropPoints percentage points of validation accuracy below the teacher, or null
 * @param minAgreement the least share of validation rows where it predicts the teacher's class, or
 *     null
 * @param teacherValidationAccuracy the teacher's validation accuracy
 * @param met whether {@code student} meets the target
 * @param student the answer: the smallest student that meets it, else the closest one
 * @param parameters its parameters
 * @param validationAccuracy its validation accuracy
 * @param validationAgreement its agreement with the teacher on the validation rows (NaN when the
 *     target has no agreement part)
 * @param grown the sizes trained after the sweep for the target: wider each, because none before
 *     met it, then narrower, between the smallest that met it and a smaller one that missed (empty
 *     when neither happened)
 * @param answerGrown whether {@code student} is one of them
 * @param growthStopped why growing stopped short, each family's reason joined by "; " (a wider
 *     student would cost as much as the teacher to run, or be no wider in effect), or null
 */
public record DistillationTarget(
    Double maxDropPoints,
    Double minAgreement,
    double teacherValidationAccuracy,
    boolean met,
    String student,
    long parameters,
    double validationAccuracy,
    double validationAgreement,
    List<String> grown,
    boolean answerGrown,
    String growthStopped) {

  public DistillationTarget {
    grown = List.copyOf(grown);
  }

  /** The one line the log ends with and the report gives. */
  public String line() {
    List<String> parts = new ArrayList<>();
    if (maxDropPoints != null) {
      parts.add(
          String.format(
              "at most %s points of validation accuracy below the teacher (%.2f %%)",
              maxDropPoints, 100 * teacherValidationAccuracy));
    }
    if (minAgreement != null) {
      parts.add(
          String.format(
              "the teacher's class on at least %.2f %% of the validation rows",
              100 * minAgreement));
    }
    String target = "Target: " + String.join(", and ", parts);
    String figures =
        String.format("%,d parameters, %.2f %%", parameters, 100 * validationAccuracy)
            + (minAgreement == null
                ? ""
                : String.format(", agreeing on %.2f %%", 100 * validationAgreement));
    if (met) {
      return String.format(
          "%s: the smallest distilled student that meets it is %s (%s%s).",
          target, student, answerGrown ? "trained after the sweep for the target; " : "", figures);
    }
    String none =
        grown.isEmpty()
            ? "no distilled student of the sweep meets it"
            : "no distilled student meets it, neither the sweep's nor those grown wider ("
                + String.join(", ", grown)
                + ")";
    String next;
    if (growthStopped != null) {
      next =
          " "
              + Character.toUpperCase(growthStopped.charAt(0))
              + growthStopped.substring(1)
              + ": a distilled student is to be cheaper than its teacher.";
    } else if (!grown.isEmpty()) {
      next = " Allow more growth (students.target-grow-steps) or add a larger size.";
    } else {
      next = " Add a larger size.";
    }
    return String.format(
        "%s: %s; the %s, %s (%s), is %s.%s",
        target, none, closest(), student, figures, shortfall(), next);
  }

  private String closest() {
    return maxDropPoints != null ? "most accurate" : "most faithful";
  }

  /** By how much the answer misses the target ("0.90 points below the teacher"); empty if met. */
  public String shortfall() {
    List<String> misses = new ArrayList<>();
    double drop = 100 * (teacherValidationAccuracy - validationAccuracy);
    if (maxDropPoints != null && drop > maxDropPoints) {
      misses.add(String.format("%.2f points below the teacher", drop));
    }
    if (minAgreement != null && validationAgreement < minAgreement) {
      misses.add(
          String.format(
              "%.2f points short of the agreement", 100 * (minAgreement - validationAgreement)));
    }
    return String.join(" and ", misses);
  }

  /** For the manifest. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("maxAccuracyDropPoints", maxDropPoints);
    m.put("minAgreement", minAgreement);
    m.put("teacherValidationAccuracy", teacherValidationAccuracy);
    m.put("met", met);
    m.put("student", student);
    m.put("parameters", parameters);
    m.put("validationAccuracy", validationAccuracy);
    m.put("validationAgreement", minAgreement == null ? null : validationAgreement);
    m.put("grown", grown);
    m.put("growthStopped", growthStopped);
    return m;
  }

  /**
   * The answer over the run's distilled students, empty when the run has none with a validation
   * accuracy (and, for an agreement target, an agreement in {@code agreements}).
   *
   * @param parameters each distilled student's parameters, by model
   * @param agreements each distilled student's agreement with the teacher on the validation rows
   *     (only read when {@code minAgreement} is given)
   * @param grown the sizes grown for the target ({@link WidthGrowth}), in order
   * @param growthStopped why growing stopped short, or null
   */
  static Optional<DistillationTarget> of(
      Double maxDropPoints,
      Double minAgreement,
      TeacherCheck check,
      List<TrainedStudent> students,
      Map<String, Long> parameters,
      Map<String, Double> agreements,
      List<String> grown,
      String growthStopped) {
    record Candidate(
        String model, String size, long parameters, double accuracy, double agreement) {}
    List<Candidate> candidates =
        students.stream()
            .filter(
                s -> ModelMetrics.DISTILLED.equals(s.role()) && parameters.containsKey(s.model()))
            .map(
                s ->
                    new Candidate(
                        s.model(),
                        s.size(),
                        parameters.get(s.model()),
                        s.validationAccuracy(),
                        agreements.getOrDefault(s.model(), Double.NaN)))
            .filter(c -> !Double.isNaN(c.accuracy()))
            .filter(c -> minAgreement == null || !Double.isNaN(c.agreement()))
            .toList();
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    double teacher = check.teacherValidationAccuracy();
    Optional<Candidate> smallest =
        candidates.stream()
            .filter(
                c ->
                    (maxDropPoints == null || c.accuracy() >= teacher - maxDropPoints / 100 - 1e-12)
                        && (minAgreement == null || c.agreement() >= minAgreement - 1e-12))
            .min(Comparator.comparingLong(Candidate::parameters));
    Comparator<Candidate> closest =
        maxDropPoints != null
            ? Comparator.comparingDouble(Candidate::accuracy)
            : Comparator.comparingDouble(Candidate::agreement);
    Candidate answer = smallest.orElseGet(() -> candidates.stream().max(closest).orElseThrow());
    return Optional.of(
        new DistillationTarget(
            maxDropPoints,
            minAgreement,
            teacher,
            smallest.isPresent(),
            answer.model(),
            answer.parameters(),
            answer.accuracy(),
            minAgreement == null ? Double.NaN : answer.agreement(),
            grown,
            grown.contains(answer.size()),
            growthStopped));
  }

  /** Each model's parameters, from the evaluation's metrics. */
  static Map<String, Long> parameters(List<ModelMetrics> metrics) {
    Map<String, Long> out = new LinkedHashMap<>();
    metrics.forEach(m -> out.put(m.model(), m.parameters()));
    return out;
  }

  /**
   * Each distilled student's agreement with the teacher on the validation rows (its argmax equals
   * the teacher's), in one Spark pass over those rows joined with the soft labels; no test label is
   * read.
   */
  static Map<String, Double> validationAgreements(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      List<TrainedStudent> students) {
    Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
    for (TrainedStudent s : students) {
      if (ModelMetrics.DISTILLED.equals(s.role())) {
        nets.put(s.model(), EvaluateStage.restore(ctx, s.modelPath()));
      }
    }
    if (nets.isEmpty() || data.split().validationRows() == 0) {
      return Map.of();
    }
    ctx.spark()
        .sparkContext()
        .setJobDescription(
            "Target: the distilled students' agreement with the teacher on validation");
    Map<String, TestScores.Totals> totals =
        EvaluateStage.validationScores(
            ctx, data, soft, teacher, ctx.shape(data.data().train()), nets);
    Map<String, Double> out = new LinkedHashMap<>();
    totals.forEach((model, t) -> out.put(model, (double) t.agreements() / t.examples()));
    return out;
  }
}
