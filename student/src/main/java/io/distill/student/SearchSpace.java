package io.distill.student;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The settings a per-size search draws its trials from: temperatures, α and logit standardisation
 * for the distilled student, learning rates and their decays per epoch for both models of a size. α
 * = 1 (plain hard labels) is always a candidate of the distilled student, so on validation a
 * distilled student can do no worse than its best hard-label trial.
 *
 * <p>Both models of a size get the same number of trials ({@link SearchPlan#trials()}), the same
 * rungs and the same seeds: trial 0 is the size's configured setting, the distilled student's trial
 * 1 is α = 1 at the configured rate, the others are drawn without replacement from the grid (then
 * again, under new seeds, once it is exhausted). A baseline has fewer settings to draw from, so
 * more of its trials differ by seed only: random restarts, which also win on validation.
 */
public record SearchSpace(
    List<Double> temperatures,
    List<Double> alphas,
    List<Boolean> standardise,
    List<Double> learningRates,
    List<Double> lrDecays) {

  /** Default temperatures tried. */
  public static final List<Double> DEFAULT_TEMPERATURES = List.of(2.0, 4.0, 8.0, 20.0);

  /** Default α tried (1 is always added). */
  public static final List<Double> DEFAULT_ALPHAS = List.of(0.1, 0.5, 0.9);

  /** Default: the soft term on raw logits and on standardised logits (Sun et al. 2024). */
  public static final List<Boolean> DEFAULT_STANDARDISE = List.of(false, true);

  /** Default Adam learning rates tried. */
  public static final List<Double> DEFAULT_LEARNING_RATES = List.of(0.001, 0.002, 0.004);

  /** Default decays per epoch tried. */
  public static final List<Double> DEFAULT_LR_DECAYS = List.of(0.7, 0.85, 1.0);

  public SearchSpace {
    temperatures = nonEmpty(temperatures, "temperatures");
    List<Double> a = new ArrayList<>(nonEmpty(alphas, "alphas"));
    if (!a.contains(1.0)) {
      a.add(1.0);
    }
    alphas = List.copyOf(a);
    if (standardise == null || standardise.isEmpty()) {
      throw new IllegalArgumentException("a search space needs at least one of standardise");
    }
    standardise = List.copyOf(standardise);
    learningRates = nonEmpty(learningRates, "learningRates");
    lrDecays = nonEmpty(lrDecays, "lrDecays");
  }

  /** The defaults above. */
  public static SearchSpace defaults() {
    return new SearchSpace(
        DEFAULT_TEMPERATURES,
        DEFAULT_ALPHAS,
        DEFAULT_STANDARDISE,
        DEFAULT_LEARNING_RATES,
        DEFAULT_LR_DECAYS);
  }

  /**
   * The trials of one model: {@code configured} first (index 0), then, for a distilled student, α =
   * 1 at its rate, then draws from the grid; trial {@code i} has seed {@code configured.seed() +
   * i}. {@code tunesOptimiser} false (a DL4J JSON student): rate and decay stay NaN.
   */
  public List<SearchTrial> trials(
      SearchTrial configured, boolean distilled, boolean tunesOptimiser, int count) {
    List<Double> rates = tunesOptimiser ? learningRates : listOfNaN();
    List<Double> decays = tunesOptimiser ? lrDecays : listOfNaN();
    Map<String, SearchTrial> grid = new LinkedHashMap<>();
    for (double lr : rates) {
      for (double decay : decays) {
        if (distilled) {
          for (double alpha : alphas) {
            for (double t : alpha < 1 ? temperatures : listOfNaN()) {
              for (boolean z : standardise) {
                SearchTrial s = new SearchTrial(0, t, alpha, z, lr, decay, 0);
                grid.putIfAbsent(s.settingKey(), s);
              }
            }
          }
        } else {
          SearchTrial s = new SearchTrial(0, Double.NaN, 1.0, false, lr, decay, 0);
          grid.putIfAbsent(s.settingKey(), s);
        }
      }
    }
    List<SearchTrial> settings = new ArrayList<>();
    settings.add(configured);
    if (distilled && configured.distils()) {
      settings.add(
          new SearchTrial(
              0, Double.NaN, 1.0, false, configured.learningRate(), configured.lrDecay(), 0));
    }
    Set<String> taken = new HashSet<>();
    settings.forEach(t -> taken.add(t.settingKey()));
    List<SearchTrial> drawn = new ArrayList<>();
    for (SearchTrial s : grid.values()) {
      if (!taken.contains(s.settingKey())) {
        drawn.add(s);
      }
    }
    Collections.shuffle(drawn, new Random(configured.seed() * 31 + (distilled ? 1 : 0)));
    settings.addAll(drawn);
    List<SearchTrial> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(settings.get(i % settings.size()).renumbered(i, configured.seed() + i));
    }
    return List.copyOf(out);
  }

  private static List<Double> listOfNaN() {
    return Collections.singletonList(Double.NaN);
  }

  private static List<Double> nonEmpty(List<Double> values, String what) {
    if (values == null || values.isEmpty()) {
      throw new IllegalArgumentException("a search space needs at least one of " + what);
    }
    return List.copyOf(values);
  }
}
