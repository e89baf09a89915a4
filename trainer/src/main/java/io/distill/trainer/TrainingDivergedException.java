package io.distill.trainer;

import java.util.List;

/**
 * A network whose training diverged: its loss became NaN or infinite, or grew past the bound its
 * settings allow ({@link TrainingSettings#maxLossGrowth()}). The message is one line naming the
 * model, the epoch and the value; nothing of the diverged network is published.
 */
public final class TrainingDivergedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final int epoch;
  private final double loss;
  private final transient List<EpochStats> history;

  TrainingDivergedException(
      String model, int epoch, double loss, String why, List<EpochStats> history) {
    super("Training " + model + " diverged at epoch " + epoch + ": " + why);
    this.model = model;
    this.epoch = epoch;
    this.loss = loss;
    this.history = List.copyOf(history);
  }

  /** The name the network was trained under (e.g. "student 30x30-distilled"). */
  public String model() {
    return model;
  }

  public int epoch() {
    return epoch;
  }

  /** The loss that stopped it (NaN, infinite, or past the bound). */
  public double loss() {
    return loss;
  }

  /** The epochs trained, the diverged one last. */
  public List<EpochStats> history() {
    return history;
  }

  /**
   * Fails when an epoch's losses show divergence: a non-finite training or validation loss, or a
   * training or validation loss above {@code maxGrowth} times {@code reference} (0 = no such
   * bound). The reference is the untrained network's validation loss where there is validation data
   * (a network that learns goes below it), else the first epoch's training loss.
   */
  static void check(
      String model, List<EpochStats> history, double maxGrowth, double reference, String what) {
    EpochStats last = history.get(history.size() - 1);
    if (!Double.isFinite(last.trainLoss())) {
      throw new TrainingDivergedException(
          model,
          last.epoch(),
          last.trainLoss(),
          "training loss " + last.trainLoss() + " (not a finite number)",
          history);
    }
    boolean validated = !Double.isNaN(last.validationAccuracy());
    if (validated && !Double.isFinite(last.validationLoss())) {
      throw new TrainingDivergedException(
          model,
          last.epoch(),
          last.validationLoss(),
          "validation loss " + last.validationLoss() + " (not a finite number)",
          history);
    }
    if (maxGrowth <= 0 || !(reference > 0) || !Double.isFinite(reference)) {
      return;
    }
    double worst = validated ? Math.max(last.trainLoss(), last.validationLoss()) : last.trainLoss();
    if (worst > maxGrowth * reference) {
      throw new TrainingDivergedException(
          model,
          last.epoch(),
          worst,
          String.format(
              "%s loss %s is more than %s times %s, %s (training.max-loss-growth)",
              worst == last.trainLoss() ? "training" : "validation",
              worst,
              maxGrowth,
              what,
              reference),
          history);
    }
  }
}
