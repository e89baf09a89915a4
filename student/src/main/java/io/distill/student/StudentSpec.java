package io.distill.student;

import io.distill.core.HadoopFiles;
import io.distill.losses.DistillationLoss;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One student size of a sweep: its name, its shape — hidden layer sizes of an MLP, or a DL4J
 * MultiLayerConfiguration JSON for any other shape — the temperature and α its distilled student is
 * trained with, and the random seed of both its models (null: the sweep's training settings' seed).
 * Optionally, settings of its own that replace the sweep's (null, false or 0: the sweep's): logit
 * standardisation of the distilled student's soft term, the β of a decoupled soft term (Zhao et al.
 * 2022; 0: Hinton's KL), the learning rate and decay of both models, and the baseline's own
 * learning rate, decay and seed, so that what a settings search chose for each model can be given
 * as fixed settings ({@code students.search = off}).
 */
public record StudentSpec(
    String name,
    int[] hidden,
    String dl4jJson,
    double temperature,
    double alpha,
    Long seed,
    boolean standardise,
    double dkdBeta,
    Double learningRate,
    Double lrDecay,
    Double baselineLearningRate,
    Double baselineLrDecay,
    Long baselineSeed) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  /** The same size and settings under another name (its models are named after it). */
  public StudentSpec named(String other) {
    return new StudentSpec(
        other,
        hidden,
        dl4jJson,
        temperature,
        alpha,
        seed,
        standardise,
        dkdBeta,
        learningRate,
        lrDecay,
        baselineLearningRate,
        baselineLrDecay,
        baselineSeed);
  }

  /** A size with the sweep's settings apart from T, α and the seed. */
  public StudentSpec(
      String name, int[] hidden, String dl4jJson, double temperature, double alpha, Long seed) {
    this(
        name, hidden, dl4jJson, temperature, alpha, seed, false, 0.0, null, null, null, null, null);
  }

  public StudentSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "student name must match [A-Za-z0-9_.-]+, cannot be: " + name);
    }
    if ((hidden == null) == (dl4jJson == null)) {
      throw new IllegalArgumentException(
          "student " + name + ": give exactly one of hidden sizes or a DL4J JSON");
    }
    hidden = hidden == null ? null : hidden.clone();
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "student "
              + name
              + ": temperature must be positive and finite, cannot be: "
              + temperature);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException(
          "student " + name + ": alpha must be in [0, 1], cannot be: " + alpha);
    }
    if (!DistillationLoss.isDkdBeta(dkdBeta)) {
      throw new IllegalArgumentException(
          "student " + name + ": dkd-beta must be 0 or positive and finite, cannot be: " + dkdBeta);
    }
    for (Double rate : new Double[] {learningRate, baselineLearningRate}) {
      if (rate != null && !(rate > 0 && rate < Double.POSITIVE_INFINITY)) {
        throw new IllegalArgumentException(
            "student "
                + name
                + ": a learning rate must be positive and finite, cannot be: "
                + rate);
      }
    }
    for (Double decay : new Double[] {lrDecay, baselineLrDecay}) {
      if (decay != null && !(decay > 0 && decay <= 1)) {
        throw new IllegalArgumentException(
            "student " + name + ": a learning-rate decay must be in (0, 1], cannot be: " + decay);
      }
    }
  }

  @Override
  public int[] hidden() {
    return hidden == null ? null : hidden.clone();
  }

  /** Name of the distilled model: "{@code <name>-distilled}". */
  public String distilledName() {
    return name + "-" + ModelMetrics.DISTILLED;
  }

  /** Name of the hard-label baseline: "{@code <name>-baseline}". */
  public String baselineName() {
    return name + "-" + ModelMetrics.BASELINE;
  }

  /** The learning rate of one of its models, or null for the sweep's. */
  public Double learningRate(boolean distilled) {
    return distilled || baselineLearningRate == null ? learningRate : baselineLearningRate;
  }

  /** The learning-rate decay of one of its models, or null for the sweep's. */
  public Double lrDecay(boolean distilled) {
    return distilled || baselineLrDecay == null ? lrDecay : baselineLrDecay;
  }

  /** The seed of one of its models, or null for the sweep's. */
  public Long seed(boolean distilled) {
    return distilled || baselineSeed == null ? seed : baselineSeed;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StudentSpec s
        && s.name.equals(name)
        && Arrays.equals(s.hidden, hidden)
        && Objects.equals(s.dl4jJson, dl4jJson)
        && s.temperature == temperature
        && s.alpha == alpha
        && Objects.equals(s.seed, seed)
        && s.standardise == standardise
        && s.dkdBeta == dkdBeta
        && Objects.equals(s.learningRate, learningRate)
        && Objects.equals(s.lrDecay, lrDecay)
        && Objects.equals(s.baselineLearningRate, baselineLearningRate)
        && Objects.equals(s.baselineLrDecay, baselineLrDecay)
        && Objects.equals(s.baselineSeed, baselineSeed);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** What the size is, in a stable text (settings left to the sweep are not named). */
  @Override
  public String toString() {
    return name
        + (hidden != null
            ? " " + Arrays.toString(hidden)
            : " (DL4J JSON sha256 " + HadoopFiles.sha256Hex(dl4jJson).substring(0, 16) + ")")
        + ", T="
        + temperature
        + ", alpha="
        + alpha
        + (seed == null ? "" : ", seed=" + seed)
        + (standardise ? ", standardised logits" : "")
        + (dkdBeta > 0 ? ", decoupled beta=" + dkdBeta : "")
        + (learningRate == null ? "" : ", lr=" + learningRate)
        + (lrDecay == null ? "" : ", decay=" + lrDecay)
        + (baselineLearningRate == null ? "" : ", baseline lr=" + baselineLearningRate)
        + (baselineLrDecay == null ? "" : ", baseline decay=" + baselineLrDecay)
        + (baselineSeed == null ? "" : ", baseline seed=" + baselineSeed);
  }
}
