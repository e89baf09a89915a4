package io.distill.student;

import java.util.List;

/**
 * What a model's settings search did: its rungs, every trial with the last rung it reached and its
 * validation accuracy there, the trial chosen (the one that trained the full budget), the search's
 * cost in epochs beside one full training's, and its seconds in this run.
 */
public record SearchSummary(
    List<SearchPlan.Rung> rungs,
    List<TrialScore> trials,
    int chosen,
    int costEpochs,
    int fullEpochs,
    double seconds) {

  /** One trial's outcome: its setting, the epochs it trained, its validation accuracy then. */
  public record TrialScore(SearchTrial trial, int epochs, double validationAccuracy) {}

  public SearchSummary {
    rungs = List.copyOf(rungs);
    trials = List.copyOf(trials);
  }

  /** The chosen trial's setting. */
  public SearchTrial choice() {
    return trials.get(chosen).trial();
  }

  /** The chosen trial's validation accuracy after the full budget. */
  public double choiceAccuracy() {
    return trials.get(chosen).validationAccuracy();
  }
}
