package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.trainer.EpochStats;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SearchPlanTest {

  @Test
  void halvesTheTrialsAndMultipliesTheEpochsUpToOneFullTraining() {
    assertEquals(
        List.of(new SearchPlan.Rung(9, 1), new SearchPlan.Rung(3, 3), new SearchPlan.Rung(1, 9)),
        new SearchPlan(9, 3, 9).rungs());
    // 9 trials x 1 epoch, 3 continue for 2 more, 1 for 6 more
    assertEquals(21, new SearchPlan(9, 3, 9).costEpochs());
    assertEquals(
        List.of(new SearchPlan.Rung(8, 2), new SearchPlan.Rung(2, 7), new SearchPlan.Rung(1, 20)),
        new SearchPlan(8, 3, 20).rungs());
    assertEquals(8 * 2 + 2 * 5 + 13, new SearchPlan(8, 3, 20).costEpochs());
    // more rungs than epochs allow: a rung of no new epochs only narrows the field
    assertEquals(
        List.of(
            new SearchPlan.Rung(27, 1),
            new SearchPlan.Rung(9, 1),
            new SearchPlan.Rung(3, 3),
            new SearchPlan.Rung(1, 9)),
        new SearchPlan(27, 3, 9).rungs());
    assertEquals(
        List.of(new SearchPlan.Rung(2, 1), new SearchPlan.Rung(1, 1)),
        new SearchPlan(2, 2, 1).rungs());
    for (int trials = 2; trials <= 30; trials++) {
      SearchPlan p = new SearchPlan(trials, 3, 40);
      assertTrue(p.costInFullTrainings() <= 4.5, p + " costs " + p.costInFullTrainings());
    }
    assertThrows(IllegalArgumentException.class, () -> new SearchPlan(1, 3, 9));
    assertThrows(IllegalArgumentException.class, () -> new SearchPlan(9, 1, 9));
  }

  @Test
  void aLaterFirstRungTrainsEveryTrialLongerBeforeTheFirstCut() {
    assertEquals(new SearchPlan(18, 3, 20).rungs(), new SearchPlan(18, 3, 20, 1).rungs());
    assertEquals(
        List.of(
            new SearchPlan.Rung(18, 1),
            new SearchPlan.Rung(6, 2),
            new SearchPlan.Rung(2, 7),
            new SearchPlan.Rung(1, 20)),
        new SearchPlan(18, 3, 20).rungs());
    assertEquals(18 * 1 + 6 * 1 + 2 * 5 + 13, new SearchPlan(18, 3, 20).costEpochs());
    // at least 2 epochs: the second rung trains nothing new, it only narrows 6 to 2 after epoch 2
    assertEquals(
        List.of(
            new SearchPlan.Rung(18, 2),
            new SearchPlan.Rung(6, 2),
            new SearchPlan.Rung(2, 7),
            new SearchPlan.Rung(1, 20)),
        new SearchPlan(18, 3, 20, 2).rungs());
    assertEquals(18 * 2 + 2 * 5 + 13, new SearchPlan(18, 3, 20, 2).costEpochs());
    assertEquals(
        List.of(new SearchPlan.Rung(9, 5), new SearchPlan.Rung(3, 7), new SearchPlan.Rung(1, 20)),
        new SearchPlan(9, 3, 20, 5).rungs());
    // no rung beyond the budget: a first rung of the whole budget trains every trial fully
    assertEquals(
        List.of(new SearchPlan.Rung(9, 9), new SearchPlan.Rung(3, 9), new SearchPlan.Rung(1, 9)),
        new SearchPlan(9, 3, 9, 50).rungs());
    assertEquals(81, new SearchPlan(9, 3, 9, 50).costEpochs());
    assertThrows(IllegalArgumentException.class, () -> new SearchPlan(9, 3, 9, 0));
  }

  @Test
  void bothModelsOfASizeTryTheSameOptimisersUnderTheSameSeedsAndTheConfiguredSettingFirst() {
    SearchSpace space =
        new SearchSpace(
            List.of(2.0, 8.0),
            List.of(0.5, 1.0),
            List.of(false, true),
            List.of(1e-3, 2e-3, 4e-3),
            List.of(0.7, 1.0));
    SearchTrial configured = new SearchTrial(0, 4.0, 0.1, false, 2e-3, 0.85, 40);
    List<SearchTrial> baseline =
        space.baselineTrials(new SearchTrial(0, Double.NaN, 1, false, 2e-3, 0.85, 40), true, 9);
    List<SearchTrial> distilled = space.distilledTrials(configured, baseline);
    assertEquals(9, distilled.size());
    assertEquals(9, baseline.size());
    assertEquals(configured, distilled.get(0));
    assertEquals(2e-3, baseline.get(0).learningRate(), "the configured baseline first");
    assertEquals(0.85, baseline.get(0).lrDecay());
    // the baseline's grid: 3 rates x 2 decays = 6, plus the configured one = 7 distinct settings
    // before a setting repeats under a new seed
    Set<String> firstSeven = new HashSet<>();
    baseline.subList(0, 7).forEach(t -> firstSeven.add(t.settingKey()));
    assertEquals(7, firstSeven.size());
    Set<String> losses = new HashSet<>();
    for (int i = 0; i < 9; i++) {
      assertEquals(40 + i, distilled.get(i).seed());
      assertEquals(40 + i, baseline.get(i).seed());
      assertEquals(i, distilled.get(i).index());
      assertEquals(1.0, baseline.get(i).alpha());
      if (i > 0) {
        // paired: the same optimiser as the baseline's trial i, a distilling loss
        assertEquals(baseline.get(i).learningRate(), distilled.get(i).learningRate(), "trial " + i);
        assertEquals(baseline.get(i).lrDecay(), distilled.get(i).lrDecay(), "trial " + i);
        assertTrue(distilled.get(i).distils(), "alpha = 1 comes through the baseline: " + i);
        assertEquals(0.5, distilled.get(i).alpha());
        losses.add(distilled.get(i).temperature() + "/" + distilled.get(i).standardise());
      }
    }
    // 2 T x 2 standardisations at alpha 0.5: all 4 losses among the 8 paired trials
    assertEquals(4, losses.size(), "every loss of the grid is drawn before one repeats");
    // alpha = 1 alone: the distilled trials are hard-label restarts of the baseline's settings
    SearchSpace hardOnly =
        new SearchSpace(List.of(2.0), List.of(1.0), List.of(false), List.of(1e-3), List.of(1.0));
    assertTrue(
        hardOnly.distilledTrials(configured, baseline).stream()
            .skip(1)
            .noneMatch(SearchTrial::distils));
    // a DL4J JSON student keeps its updater: its trials differ in T, alpha and seed only
    List<SearchTrial> json =
        space.distilledTrials(
            new SearchTrial(0, 4, 0.1, false, Double.NaN, Double.NaN, 1),
            space.baselineTrials(
                new SearchTrial(0, Double.NaN, 1, false, Double.NaN, Double.NaN, 1), false, 5));
    assertEquals(5, json.size());
    assertTrue(json.stream().allMatch(t -> Double.isNaN(t.learningRate())));
    assertEquals(
        space.distilledTrials(configured, baseline), distilled, "the draw is reproducible");

    // the decoupled term as a dimension: 2 T x 2 standardisations x (Hinton's KL, beta 8) = 8
    // losses, each drawn once among the 8 paired trials, the optimisers paired as before
    List<SearchTrial> withDkd =
        withDkdBetas(space, List.of(0.0, 8.0)).distilledTrials(configured, baseline);
    Set<String> dkdLosses = new HashSet<>();
    for (int i = 1; i < 9; i++) {
      assertEquals(baseline.get(i).learningRate(), withDkd.get(i).learningRate());
      dkdLosses.add(
          withDkd.get(i).temperature()
              + "/"
              + withDkd.get(i).standardise()
              + "/"
              + withDkd.get(i).dkdBeta());
      assertEquals(withDkd.get(i).dkdBeta(), withDkd.get(i).loss().dkdBeta());
    }
    assertEquals(8, dkdLosses.size(), dkdLosses.toString());
    // a search space without the dimension draws what it drew before it existed
    assertEquals(
        distilled, withDkdBetas(space, List.of(0.0)).distilledTrials(configured, baseline));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new SearchSpace(
                List.of(2.0),
                List.of(0.5),
                List.of(false),
                List.of(1e-3),
                List.of(1.0),
                List.of(-1.0)));
  }

  /** {@code space} with the decoupled term's betas {@code betas}. */
  private static SearchSpace withDkdBetas(SearchSpace space, List<Double> betas) {
    return new SearchSpace(
        space.temperatures(),
        space.alphas(),
        space.standardise(),
        space.learningRates(),
        space.lrDecays(),
        betas);
  }

  @Test
  void aTrialIsJudgedAtItsRungsEpochOnTheModelItWouldPublish() {
    SearchTrial t = new SearchTrial(0, 4, 0.5, false, 1e-3, 1, 1);
    List<EpochStats> history =
        List.of(
            stats(1, 0.80, 0.5), stats(2, 0.90, 0.4), stats(3, 0.85, 0.45), stats(4, 0.95, 0.3));
    assertEquals(0.85, SettingsSearch.Ranked.of(t, history, 3, false).accuracy(), "last epoch");
    assertEquals(0.90, SettingsSearch.Ranked.of(t, history, 3, true).accuracy(), "best epoch");
    assertEquals(0.95, SettingsSearch.Ranked.of(t, history, 4, false).accuracy());
    SettingsSearch.Ranked better = new SettingsSearch.Ranked(t, 0.9, 0.5);
    SettingsSearch.Ranked tie = new SettingsSearch.Ranked(t.renumbered(1, 2), 0.9, 0.4);
    SettingsSearch.Ranked diverged = new SettingsSearch.Ranked(t.renumbered(2, 3), Double.NaN, 0);
    List<SettingsSearch.Ranked> order = new java.util.ArrayList<>(List.of(diverged, better, tie));
    order.sort(SettingsSearch.Ranked.BEST_FIRST);
    assertEquals(
        List.of(tie, better, diverged), order, "accuracy, then loss; a diverged trial last");
  }

  private static EpochStats stats(int epoch, double accuracy, double loss) {
    return new EpochStats(epoch, 1.0, accuracy, loss, 100, 100, 1, 1);
  }
}
