package io.distill.student;

import java.util.List;

/**
 * What a model's settings search did: its rungs, every trial with the last rung it reached and its
 * validation accuracy there, the trial chosen (the one that trained the full budget), the search's
 * cost in epochs beside one full training's, and its seconds in this run; and, for a distilled
 * student whose best trial ended below its baseline's on validation, the baseline's choice it
 * adopted instead (null otherwise).
 */
public record SearchSummary(
    List<SearchPlan.Rung> rungs,
    List<TrialScore> trials,
    int chosen,
    int costEpochs,
    int fullEpochs,
    double seconds,
    TrialScore adopted) {

  public SearchSummary(
      List<SearchPlan.Rung> rungs,
      List<TrialScore> trials,
      int chosen,
      int costEpochs,
      int fullEpochs,
      double seconds) {
    this(rungs, trials, chosen, costEpochs, fullEpochs, seconds, null);
  }

  /** One trial's outcome: its setting, the epochs it trained, its validation accuracy then. */
  public record TrialScore(SearchTrial trial, int epochs, double validationAccuracy) {}

  public SearchSummary {
    rungs = List.copyOf(rungs);
    trials = List.copyOf(trials);
  }

  /** The setting of the published model: the chosen trial's, or the adopted baseline's. */
  public SearchTrial choice() {
    return adopted != null ? adopted.trial() : trials.get(chosen).trial();
  }

  /** The published model's validation accuracy after the full budget. */
  public double choiceAccuracy() {
    return adopted != null ? adopted.validationAccuracy() : trials.get(chosen).validationAccuracy();
  }

  /** This search, its model replaced by the baseline's choice {@code baseline}. */
  public SearchSummary adopting(TrialScore baseline) {
    return new SearchSummary(rungs, trials, chosen, costEpochs, fullEpochs, seconds, baseline);
  }
}
