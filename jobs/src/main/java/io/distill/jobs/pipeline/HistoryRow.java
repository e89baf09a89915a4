package io.distill.jobs.pipeline;

import io.distill.trainer.EpochStats;

/** One row of a run's {@code history/} table: one model's statistics after one epoch. */
public record HistoryRow(
    String model,
    String role,
    String size,
    int epoch,
    double trainLoss,
    double validationAccuracy,
    double validationLoss,
    long examples,
    double examplesPerSecond,
    double seconds) {

  static HistoryRow of(String model, String role, String size, EpochStats e) {
    return new HistoryRow(
        model,
        role,
        size,
        e.epoch(),
        e.trainLoss(),
        e.validationAccuracy(),
        e.validationLoss(),
        e.examples(),
        e.examplesPerSecond(),
        e.seconds());
  }
}
