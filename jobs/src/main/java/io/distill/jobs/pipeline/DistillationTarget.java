package io.distill.jobs.pipeline;

import io.distill.student.ModelMetrics;
import io.distill.student.TrainedStudent;
import io.distill.trainer.EpochStats;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Distil to a target ({@code students.target-accuracy-drop}): the smallest distilled student of the
 * sweep whose validation accuracy is at most that many points below the teacher's, judged on the
 * validation rows only (the teacher's from {@link TeacherCheck}, each student's at its kept epoch);
 * when none is, the most accurate one and by how much it misses.
 *
 * @param maxDropPoints the target: percentage points of validation accuracy below the teacher
 * @param teacherValidationAccuracy the teacher's validation accuracy
 * @param met whether {@code student} meets the target
 * @param student the answer: the smallest student that meets it, else the most accurate one
 * @param parameters its parameters
 * @param validationAccuracy its validation accuracy
 */
public record DistillationTarget(
    double maxDropPoints,
    double teacherValidationAccuracy,
    boolean met,
    String student,
    long parameters,
    double validationAccuracy) {

  /** The one line the log ends with and the report gives. */
  public String line() {
    String target =
        String.format(
            "Target: at most %s points of validation accuracy below the teacher (%.2f %%)",
            maxDropPoints, 100 * teacherValidationAccuracy);
    return met
        ? String.format(
            "%s: the smallest distilled student that meets it is %s (%,d parameters, %.2f %%).",
            target, student, parameters, 100 * validationAccuracy)
        : String.format(
            "%s: no distilled student of the sweep meets it; the most accurate, %s (%,d"
                + " parameters, %.2f %%), is %.2f points below. Add a larger size.",
            target,
            student,
            parameters,
            100 * validationAccuracy,
            100 * (teacherValidationAccuracy - validationAccuracy));
  }

  /** For the manifest. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("maxAccuracyDropPoints", maxDropPoints);
    m.put("teacherValidationAccuracy", teacherValidationAccuracy);
    m.put("met", met);
    m.put("student", student);
    m.put("parameters", parameters);
    m.put("validationAccuracy", validationAccuracy);
    return m;
  }

  /**
   * The answer for {@code maxDropPoints} over the run's distilled students, empty when the run has
   * none with a validation accuracy.
   */
  static Optional<DistillationTarget> of(
      double maxDropPoints,
      TeacherCheck check,
      List<TrainedStudent> students,
      List<ModelMetrics> metrics) {
    Map<String, Long> parameters = new LinkedHashMap<>();
    metrics.forEach(m -> parameters.put(m.model(), m.parameters()));
    record Candidate(String model, long parameters, double accuracy) {}
    List<Candidate> candidates =
        students.stream()
            .filter(s -> "distilled".equals(s.role()) && parameters.containsKey(s.model()))
            .map(
                s ->
                    new Candidate(
                        s.model(),
                        parameters.get(s.model()),
                        s.history().stream()
                            .mapToDouble(EpochStats::validationAccuracy)
                            .filter(a -> !Double.isNaN(a))
                            .max()
                            .orElse(Double.NaN)))
            .filter(c -> !Double.isNaN(c.accuracy()))
            .toList();
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    double teacher = check.teacherValidationAccuracy();
    double floor = teacher - maxDropPoints / 100;
    Optional<Candidate> smallest =
        candidates.stream()
            .filter(c -> c.accuracy() >= floor - 1e-12)
            .min(Comparator.comparingLong(Candidate::parameters));
    Candidate answer =
        smallest.orElseGet(
            () ->
                candidates.stream()
                    .max(Comparator.comparingDouble(Candidate::accuracy))
                    .orElseThrow());
    return Optional.of(
        new DistillationTarget(
            maxDropPoints,
            teacher,
            smallest.isPresent(),
            answer.model(),
            answer.parameters(),
            answer.accuracy()));
  }
}
