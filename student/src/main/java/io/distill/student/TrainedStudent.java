package io.distill.student;

import io.distill.trainer.EpochStats;
import java.util.List;

/**
 * A student a sweep produced (or found already trained): its model name, role (distilled or
 * baseline), size, T and α, where its model zip is, its per-epoch history and training seconds (of
 * its whole search, when its settings were searched), whether this run trained it, what its
 * settings search did (null when its settings were fixed), and the epoch its model is from (0 in
 * records from before: the last epoch).
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
    SearchSummary search,
    int keptEpoch) {

  public TrainedStudent {
    history = List.copyOf(history);
  }

  /**
   * The validation accuracy of the model it publishes: that of its kept epoch (its last epoch
   * unless the trainer kept its best); NaN without validation.
   */
  public double validationAccuracy() {
    EpochStats kept = null;
    for (EpochStats e : history) {
      if (keptEpoch > 0 ? e.epoch() == keptEpoch : !Double.isNaN(e.validationAccuracy())) {
        kept = e;
      }
    }
    return kept == null ? Double.NaN : kept.validationAccuracy();
  }

  /** The same student, found already trained rather than trained by this run. */
  public TrainedStudent reused() {
    return new TrainedStudent(
        model,
        role,
        size,
        temperature,
        alpha,
        modelPath,
        history,
        trainingSeconds,
        false,
        search,
        keptEpoch);
  }
}
