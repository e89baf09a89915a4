package io.distill.trainer;

import java.io.Serializable;

/**
 * One epoch of training: mean training loss over its minibatches, validation accuracy and mean loss
 * (NaN when there is no validation data), examples per second and wall seconds of the epoch's
 * training rounds.
 */
public record EpochStats(
    int epoch,
    double trainLoss,
    double validationAccuracy,
    double validationLoss,
    long examples,
    double examplesPerSecond,
    double seconds,
    int rounds)
    implements Serializable {

  @Override
  public String toString() {
    return String.format(
        "epoch %d: loss %.4f, validation accuracy %s, validation loss %s, %,.0f examples/s,"
            + " %.1f s, %d rounds",
        epoch,
        trainLoss,
        Double.isNaN(validationAccuracy) ? "-" : String.format("%.2f%%", 100 * validationAccuracy),
        Double.isNaN(validationLoss) ? "-" : String.format("%.4f", validationLoss),
        examplesPerSecond,
        seconds,
        rounds);
  }
}
