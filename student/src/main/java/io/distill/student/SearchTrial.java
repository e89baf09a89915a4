package io.distill.student;

import io.distill.losses.DistillationLoss;

/**
 * One setting a search tries for a model: T and α of the loss (α = 1: hard labels only, T unused
 * and NaN), whether its soft term compares standardised logits (Sun et al. 2024), the β of a
 * decoupled soft term (Zhao et al. 2022; 0: Hinton's KL), the learning rate and its decay per epoch
 * (NaN for a student given as DL4J JSON, which keeps its JSON's updater), and the seed of its
 * weights and shuffling.
 */
public record SearchTrial(
    int index,
    double temperature,
    double alpha,
    boolean standardise,
    double dkdBeta,
    double learningRate,
    double lrDecay,
    long seed) {

  public SearchTrial {
    // hard labels only: nothing to standardise or decouple
    standardise = standardise && alpha < 1;
    dkdBeta = alpha < 1 ? dkdBeta : 0.0;
  }

  /** A trial whose soft term, if any, is Hinton's KL. */
  public SearchTrial(
      int index,
      double temperature,
      double alpha,
      boolean standardise,
      double learningRate,
      double lrDecay,
      long seed) {
    this(index, temperature, alpha, standardise, 0.0, learningRate, lrDecay, seed);
  }

  /** Whether this trial learns from the teacher at all. */
  public boolean distils() {
    return alpha < 1;
  }

  /** The loss of this trial. */
  public DistillationLoss loss() {
    return distils()
        ? new DistillationLoss(alpha, temperature, standardise, dkdBeta)
        : DistillationLoss.hardLabelsOnly();
  }

  /** The same setting under another index and seed. */
  SearchTrial renumbered(int newIndex, long newSeed) {
    return new SearchTrial(
        newIndex, temperature, alpha, standardise, dkdBeta, learningRate, lrDecay, newSeed);
  }

  /**
   * What the setting is, without index and seed: two trials with equal keys differ by seed only.
   */
  String settingKey() {
    // a decoupled term's beta only where there is one: the keys of Hinton's KL are as they were
    return (distils()
            ? temperature + "/" + alpha + "/" + standardise + (dkdBeta > 0 ? "/dkd" + dkdBeta : "")
            : "hard")
        + "/"
        + learningRate
        + "/"
        + lrDecay;
  }

  /**
   * The setting in words, as the log and the report give it: "T=4, alpha=0.5, lr=0.002, decay=0.85,
   * seed 42".
   */
  public String describe() {
    String loss =
        distils()
            ? "T="
                + number(temperature)
                + ", alpha="
                + number(alpha)
                + (standardise ? ", standardised logits" : "")
                + (dkdBeta > 0 ? ", decoupled beta=" + number(dkdBeta) : "")
            : "hard labels";
    String optimiser =
        Double.isNaN(learningRate)
            ? ""
            : ", lr=" + number(learningRate) + ", decay=" + number(lrDecay);
    return loss + optimiser + ", seed " + seed;
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e6 ? String.valueOf((long) v) : String.valueOf(v);
  }
}
