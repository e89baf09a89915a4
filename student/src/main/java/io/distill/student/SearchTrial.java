package io.distill.student;

import io.distill.losses.DistillationLoss;

/**
 * One setting a search tries for a model: T and α of the loss (α = 1: hard labels only, T unused
 * and NaN), the Adam learning rate and its decay per epoch (NaN for a student given as DL4J JSON,
 * which keeps its JSON's updater), and the seed of its weights and shuffling.
 */
public record SearchTrial(
    int index, double temperature, double alpha, double learningRate, double lrDecay, long seed) {

  /** Whether this trial learns from the teacher at all. */
  public boolean distils() {
    return alpha < 1;
  }

  /** The loss of this trial. */
  public DistillationLoss loss() {
    return distils() ? new DistillationLoss(alpha, temperature) : DistillationLoss.hardLabelsOnly();
  }

  /** The same setting under another index and seed. */
  SearchTrial renumbered(int newIndex, long newSeed) {
    return new SearchTrial(newIndex, temperature, alpha, learningRate, lrDecay, newSeed);
  }

  /**
   * What the setting is, without index and seed: two trials with equal keys differ by seed only.
   */
  String settingKey() {
    return (distils() ? temperature + "/" + alpha : "hard") + "/" + learningRate + "/" + lrDecay;
  }
}
