package io.distill.student;

import io.distill.losses.DistillationLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The settings a per-size search draws its trials from: temperatures, α, logit standardisation and
 * the β of a decoupled soft term (0: Hinton's KL) for the distilled student, learning rates and
 * their decays per epoch for both models of a size.
 *
 * <p>The two models of a size are searched as <b>paired trials</b>: the baseline's trial 0 is its
 * configured setting and the others are drawn from the optimiser grid (rate × decay, without
 * replacement, then again under new seeds); the distilled student's trial 0 is its configured
 * setting, and its trial {@code i > 0} trains with the rate, decay and seed of the baseline's trial
 * {@code i} and a loss drawn from the grid T × α × standardisation × β. Both models thus try the
 * same optimisers, in the same number of trials, under the same seeds, and differ only in what they
 * learn from: the distilled student is not left to find by chance in a grid 25 times larger the
 * rate that its baseline tries in full.
 *
 * <p>α = 1 (plain hard labels) is always a candidate of the distilled student, through its
 * baseline: a distilled student whose best trial ends below the baseline's on validation becomes
 * the baseline's model ({@link SearchedSweep}), so on validation it can do no worse. The loss grid
 * therefore holds α &lt; 1 only (hard labels at a rate the baseline also tries would repeat a
 * baseline trial), unless α = 1 is all that is given.
 */
public record SearchSpace(
    List<Double> temperatures,
    List<Double> alphas,
    List<Boolean> standardise,
    List<Double> learningRates,
    List<Double> lrDecays,
    List<Double> dkdBetas) {

  /** Default temperatures tried. */
  public static final List<Double> DEFAULT_TEMPERATURES = List.of(2.0, 4.0, 8.0, 20.0);

  /** Default α tried (1 is a candidate through the baseline). */
  public static final List<Double> DEFAULT_ALPHAS = List.of(0.1, 0.5, 0.9);

  /** Default: the soft term on raw logits and on standardised logits (Sun et al. 2024). */
  public static final List<Boolean> DEFAULT_STANDARDISE = List.of(false, true);

  /** Default Adam learning rates tried. */
  public static final List<Double> DEFAULT_LEARNING_RATES = List.of(0.001, 0.002, 0.004);

  /** Default decays per epoch tried. */
  public static final List<Double> DEFAULT_LR_DECAYS = List.of(0.7, 0.85, 1.0);

  /** Default: Hinton's KL only, not the decoupled term. */
  public static final List<Double> DEFAULT_DKD_BETAS = List.of(0.0);

  /** A space whose losses are Hinton's KL only. */
  public SearchSpace(
      List<Double> temperatures,
      List<Double> alphas,
      List<Boolean> standardise,
      List<Double> learningRates,
      List<Double> lrDecays) {
    this(temperatures, alphas, standardise, learningRates, lrDecays, DEFAULT_DKD_BETAS);
  }

  public SearchSpace {
    temperatures = nonEmpty(temperatures, "temperatures");
    alphas = nonEmpty(alphas, "alphas");
    if (standardise == null || standardise.isEmpty()) {
      throw new IllegalArgumentException("a search space needs at least one of standardise");
    }
    standardise = List.copyOf(standardise);
    learningRates = nonEmpty(learningRates, "learningRates");
    lrDecays = nonEmpty(lrDecays, "lrDecays");
    dkdBetas = nonEmpty(dkdBetas, "dkdBetas");
    for (double beta : dkdBetas) {
      if (!DistillationLoss.isDkdBeta(beta)) {
        throw new IllegalArgumentException(
            "a search space's dkd betas must be 0 or positive and finite, cannot be: " + beta);
      }
    }
  }

  /** The defaults above. */
  public static SearchSpace defaults() {
    return new SearchSpace(
        DEFAULT_TEMPERATURES,
        DEFAULT_ALPHAS,
        DEFAULT_STANDARDISE,
        DEFAULT_LEARNING_RATES,
        DEFAULT_LR_DECAYS,
        DEFAULT_DKD_BETAS);
  }

  /**
   * The baseline's trials: {@code configured} first (index 0), then draws from the optimiser grid;
   * trial {@code i} has seed {@code configured.seed() + i}. {@code tunesOptimiser} false (a DL4J
   * JSON student): rate and decay stay NaN, the trials differ by seed.
   */
  public List<SearchTrial> baselineTrials(
      SearchTrial configured, boolean tunesOptimiser, int count) {
    List<SearchTrial> grid = new ArrayList<>();
    for (double lr : tunesOptimiser ? learningRates : listOfNaN()) {
      for (double decay : tunesOptimiser ? lrDecays : listOfNaN()) {
        grid.add(new SearchTrial(0, Double.NaN, 1.0, false, lr, decay, 0));
      }
    }
    List<SearchTrial> settings = draws(configured, grid, new Random(configured.seed() * 31));
    List<SearchTrial> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(settings.get(i % settings.size()).renumbered(i, configured.seed() + i));
    }
    return List.copyOf(out);
  }

  /**
   * The distilled student's trials, paired with {@code baseline}'s: {@code configured} first, then
   * trial {@code i} with a loss drawn from the grid and the rate, decay and seed of the baseline's
   * trial {@code i}.
   */
  public List<SearchTrial> distilledTrials(SearchTrial configured, List<SearchTrial> baseline) {
    List<SearchTrial> losses = new ArrayList<>();
    List<Double> distilling = alphas.stream().filter(a -> a < 1).toList();
    for (double alpha : distilling.isEmpty() ? List.of(1.0) : distilling) {
      for (double t : alpha < 1 ? temperatures : listOfNaN()) {
        for (boolean z : standardise) {
          for (double beta : dkdBetas) {
            losses.add(new SearchTrial(0, t, alpha, z, beta, Double.NaN, Double.NaN, 0));
          }
        }
      }
    }
    List<SearchTrial> distinct = new ArrayList<>(distinct(losses).values());
    Collections.shuffle(distinct, new Random(configured.seed() * 31 + 1));
    List<SearchTrial> out = new ArrayList<>();
    out.add(configured.renumbered(0, configured.seed()));
    for (int i = 1; i < baseline.size(); i++) {
      SearchTrial loss = distinct.get((i - 1) % distinct.size());
      SearchTrial optimiser = baseline.get(i);
      out.add(
          new SearchTrial(
              i,
              loss.temperature(),
              loss.alpha(),
              loss.standardise(),
              loss.dkdBeta(),
              optimiser.learningRate(),
              optimiser.lrDecay(),
              optimiser.seed()));
    }
    return List.copyOf(out);
  }

  /** {@code configured}, then the grid's other settings in a shuffled order. */
  private static List<SearchTrial> draws(
      SearchTrial configured, List<SearchTrial> grid, Random random) {
    Map<String, SearchTrial> distinct = distinct(grid);
    distinct.remove(configured.settingKey());
    List<SearchTrial> drawn = new ArrayList<>(distinct.values());
    Collections.shuffle(drawn, random);
    List<SearchTrial> settings = new ArrayList<>();
    settings.add(configured);
    settings.addAll(drawn);
    return settings;
  }

  /** The settings of {@code trials} by {@link SearchTrial#settingKey()}, first of each kept. */
  private static Map<String, SearchTrial> distinct(List<SearchTrial> trials) {
    Map<String, SearchTrial> out = new LinkedHashMap<>();
    trials.forEach(s -> out.putIfAbsent(s.settingKey(), s));
    return out;
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
