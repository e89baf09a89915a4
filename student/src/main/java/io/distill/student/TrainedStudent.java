package io.distill.student;

import io.distill.trainer.EpochStats;
import java.util.List;

/**
 * A student a sweep produced (or found already trained): its model name, role (distilled or
 * baseline), size, T and α, where its model zip is, its per-epoch history and training seconds (of
 * its whole search, when its settings were searched), whether this run trained it, and what its
 * settings search did (null when its settings were fixed).
 */
public record TrainedStudent(
    String model,
    String role,
    String size,
    double temperature,
    double alpha,
    String modelPath,
    List<EpochStats> history,
    double trainingSeconds,
    boolean trainedNow,
    SearchSummary search) {

  public TrainedStudent {
    history = List.copyOf(history);
  }

  /** Its best validation accuracy over the epochs (the epoch kept); NaN without validation. */
  public double bestValidationAccuracy() {
    return history.stream()
        .mapToDouble(EpochStats::validationAccuracy)
        .filter(a -> !Double.isNaN(a))
        .max()
        .orElse(Double.NaN);
  }

  /** The same student, found already trained rather than trained by this run. */
  public TrainedStudent reused() {
    return new TrainedStudent(
        model, role, size, temperature, alpha, modelPath, history, trainingSeconds, false, search);
  }
}
