package io.distill.student;

import java.util.ArrayList;
import java.util.List;

/**
 * A successive-halving schedule (Jamieson and Talwalkar 2016; the inner loop of Hyperband): {@code
 * trials} settings train for a few epochs, the best {@code 1/eta} of them (on validation) continue
 * for {@code eta} times as many, and so on until one setting has trained for {@code maxEpochs}: the
 * budget of one full training. A trial that continues resumes from its checkpoint, so the search
 * costs {@link #costEpochs()} epochs in all: for 9 trials, eta 3 and 9 epochs, 9×1 + 3×2 + 1×6 =
 * 21, 2.3 full trainings. {@code firstRungEpochs} raises the first cut (ASHA's minimum resource, Li
 * et al. 2020): every rung trains at least that many epochs, so a trial that starts slowly is not
 * judged on one epoch, at the cost of more epochs.
 */
public record SearchPlan(int trials, int eta, int maxEpochs, int firstRungEpochs) {

  /** Default settings tried per model. */
  public static final int DEFAULT_TRIALS = 9;

  /** Default fraction kept at each rung: 1/3 of the trials continue. */
  public static final int DEFAULT_ETA = 3;

  /** Default epochs before the first cut: as successive halving derives them, one at the least. */
  public static final int DEFAULT_FIRST_RUNG_EPOCHS = 1;

  /** One rung: how many trials train, and up to which epoch. */
  public record Rung(int trials, int epochs) {}

  /** The rungs as successive halving derives them: the first cut after one epoch at the least. */
  public SearchPlan(int trials, int eta, int maxEpochs) {
    this(trials, eta, maxEpochs, DEFAULT_FIRST_RUNG_EPOCHS);
  }

  public SearchPlan {
    if (trials < 2) {
      throw new IllegalArgumentException("a search needs at least 2 trials, cannot be: " + trials);
    }
    if (eta < 2) {
      throw new IllegalArgumentException("eta must be at least 2, cannot be: " + eta);
    }
    if (maxEpochs < 1) {
      throw new IllegalArgumentException("maxEpochs must be at least 1, cannot be: " + maxEpochs);
    }
    if (firstRungEpochs < 1) {
      throw new IllegalArgumentException(
          "firstRungEpochs must be at least 1, cannot be: " + firstRungEpochs);
    }
  }

  /**
   * The rungs, first to last: trials {@code n, n/eta, n/eta², ..., 1} (rounded down, at least 1),
   * epochs {@code maxEpochs/eta^(rungs-1-k)} (rounded, at least {@code firstRungEpochs}, never
   * fewer than the rung before, never more than {@code maxEpochs}); the last rung trains one trial
   * for {@code maxEpochs}. A rung that reaches no further than the one before trains nothing: it
   * only narrows the field (and costs nothing).
   */
  public List<Rung> rungs() {
    List<Integer> counts = new ArrayList<>();
    for (int n = trials; ; n = Math.max(1, n / eta)) {
      counts.add(n);
      if (n == 1) {
        break;
      }
    }
    int r = counts.size();
    List<Rung> out = new ArrayList<>();
    int previous = 0;
    for (int k = 0; k < r; k++) {
      int epochs =
          k == r - 1
              ? maxEpochs
              : (int) Math.max(firstRungEpochs, Math.round(maxEpochs / Math.pow(eta, r - 1 - k)));
      epochs = Math.max(previous, Math.min(maxEpochs, epochs));
      out.add(new Rung(counts.get(k), epochs));
      previous = epochs;
    }
    return List.copyOf(out);
  }

  /** Epochs trained by the whole search (a continuing trial trains only its new epochs). */
  public int costEpochs() {
    int cost = 0;
    int previous = 0;
    for (Rung rung : rungs()) {
      cost += rung.trials() * (rung.epochs() - previous);
      previous = rung.epochs();
    }
    return cost;
  }

  /** {@link #costEpochs()} in full trainings of {@code maxEpochs}. */
  public double costInFullTrainings() {
    return costEpochs() / (double) maxEpochs;
  }
}
