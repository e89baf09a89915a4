package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distill.trainer.EpochStats;
import io.distill.trainer.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * The search loop over rungs, with trainings whose validation accuracy is a known function of the
 * trial and the epoch: which trials train at each rung, and which one is chosen.
 */
class SettingsSearchTest {

  /** Trial i's validation accuracy at epoch e: a slow starter (trial 4) overtakes by epoch 2. */
  private static double accuracy(int trial, int epoch) {
    double[] atOne = {0.80, 0.84, 0.83, 0.82, 0.70, 0.81};
    double gain = trial == 4 ? 0.20 : 0.02;
    return Math.min(0.99, atOne[trial] + gain * (epoch - 1));
  }

  private record Call(int trial, int epochs) {}

  private static Map<String, SettingsSearch.Outcome> search(SearchPlan plan, List<Call> calls) {
    List<SearchTrial> trials = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      trials.add(new SearchTrial(i, Double.NaN, 1, false, 1e-3, 1.0, 40 + i));
    }
    SettingsSearch.Arm arm =
        new SettingsSearch.Arm(
            new StudentSpec("s", new int[] {4}, null, 4, 1, null), false, "s-baseline", trials);
    SettingsSearch.TrialTrainer trainer =
        (a, trial, epochs) -> {
          calls.add(new Call(trial.index(), epochs));
          List<EpochStats> history = new ArrayList<>();
          for (int e = 1; e <= epochs; e++) {
            double acc = accuracy(trial.index(), e);
            history.add(new EpochStats(e, 1 - acc, acc, 1 - acc, 100, 100, 1, 1));
          }
          return new TrainingResult(null, history, epochs, false, epochs);
        };
    SettingsSearch.Parallel sequential =
        new SettingsSearch.Parallel() {
          @Override
          public <T> List<T> all(List<Callable<T>> jobs) {
            List<T> out = new ArrayList<>();
            for (Callable<T> job : jobs) {
              try {
                out.add(job.call());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
            return out;
          }
        };
    return SettingsSearch.run(List.of(arm), plan, false, trainer, sequential);
  }

  @Test
  void aCutAfterOneEpochPrunesTheSlowStarterThatALaterFirstRungKeeps() {
    List<Call> calls = new ArrayList<>();
    // 6 trials, eta 3, 4 epochs: 6 to epoch 1, 2 to epoch 1 (a cut), 1 to epoch 4
    SearchPlan plan = new SearchPlan(6, 3, 4);
    assertEquals(
        List.of(new SearchPlan.Rung(6, 1), new SearchPlan.Rung(2, 1), new SearchPlan.Rung(1, 4)),
        plan.rungs());
    SettingsSearch.Outcome o = search(plan, calls).get("s-baseline");
    // After epoch 1 trials 1 and 2 lead; the cut rung trains nothing; trial 1 trains on to 4.
    assertEquals(
        List.of(
            new Call(0, 1),
            new Call(1, 1),
            new Call(2, 1),
            new Call(3, 1),
            new Call(4, 1),
            new Call(5, 1),
            new Call(1, 4)),
        calls);
    assertEquals(1, o.summary().choice().index());
    assertEquals(6 + 3, plan.costEpochs());

    calls.clear();
    SearchPlan later = new SearchPlan(6, 3, 4, 2);
    o = search(later, calls).get("s-baseline");
    // Judged after two epochs, the slow starter (0.90) leads and is chosen.
    assertEquals(6, calls.stream().filter(c -> c.epochs() == 2).count());
    assertEquals(List.of(new Call(4, 4)), calls.subList(6, calls.size()));
    assertEquals(4, o.summary().choice().index());
    assertEquals(accuracy(4, 4), o.summary().choiceAccuracy(), 0.0);
    assertEquals(6 * 2 + 2, later.costEpochs());
  }
}
