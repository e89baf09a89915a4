package io.distill.student;

import io.distill.trainer.EpochStats;
import io.distill.trainer.TrainingDivergedException;
import io.distill.trainer.TrainingResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the successive-halving searches of a sweep, rung by rung for all its models at once: every
 * trial of a rung is an independent training (run concurrently by the sweep's pools), then each
 * model keeps its best trials on validation for the next rung. A trial that continues resumes from
 * its checkpoint; a crashed search run again finds every trial's checkpoint and continues.
 */
final class SettingsSearch {
  private static final Logger LOG = LoggerFactory.getLogger(SettingsSearch.class);

  /** One model's search: its size, whether it is the distilled one, its name and its trials. */
  record Arm(StudentSpec spec, boolean distilled, String model, List<SearchTrial> trials) {}

  /** A finished search: what it did and the chosen trial's training (the full budget). */
  record Outcome(SearchSummary summary, TrainingResult chosen) {}

  /** Trains (or resumes) one trial to {@code epochs}. */
  interface TrialTrainer {
    TrainingResult train(Arm arm, SearchTrial trial, int epochs);
  }

  /** Runs independent trainings, concurrently where the sweep allows, results in order. */
  interface Parallel {
    <T> List<T> all(List<Callable<T>> jobs);
  }

  private SettingsSearch() {}

  static Map<String, Outcome> run(
      List<Arm> arms,
      SearchPlan plan,
      boolean keepBestEpoch,
      TrialTrainer trainer,
      Parallel parallel) {
    List<SearchPlan.Rung> rungs = plan.rungs();
    Map<String, List<SearchTrial>> alive = new LinkedHashMap<>();
    Map<String, Map<Integer, SearchSummary.TrialScore>> scores = new LinkedHashMap<>();
    Map<String, Double> seconds = new LinkedHashMap<>();
    Map<String, TrainingResult> chosen = new LinkedHashMap<>();
    for (Arm arm : arms) {
      alive.put(arm.model(), arm.trials());
      scores.put(arm.model(), new LinkedHashMap<>());
      seconds.put(arm.model(), 0.0);
    }
    for (int k = 0; k < rungs.size(); k++) {
      SearchPlan.Rung rung = rungs.get(k);
      boolean last = k == rungs.size() - 1;
      if (!last && k > 0 && rung.epochs() == rungs.get(k - 1).epochs()) {
        // No new epochs: the standing is the rung before's, whose best these are, best first.
        int keep = rungs.get(k + 1).trials();
        for (Arm arm : arms) {
          alive.put(arm.model(), List.copyOf(alive.get(arm.model()).subList(0, keep)));
        }
        LOG.info(
            "Search, rung {}/{}: to epoch {} as the rung before, so no training: the best {} of {}"
                + " trials per model continue",
            k + 1,
            rungs.size(),
            rung.epochs(),
            keep,
            rung.trials());
        continue;
      }
      List<Callable<TrainingResult>> jobs = new ArrayList<>();
      List<Arm> jobArms = new ArrayList<>();
      List<SearchTrial> jobTrials = new ArrayList<>();
      for (Arm arm : arms) {
        for (SearchTrial trial : alive.get(arm.model())) {
          jobs.add(
              last
                  ? () -> trainer.train(arm, trial, rung.epochs())
                  : () -> trainOrDiverge(trainer, arm, trial, rung.epochs()));
          jobArms.add(arm);
          jobTrials.add(trial);
        }
      }
      LOG.info(
          "Search, rung {}/{}: {} trials per model, to epoch {} ({} trainings)",
          k + 1,
          rungs.size(),
          rung.trials(),
          rung.epochs(),
          jobs.size());
      List<TrainingResult> results = parallel.all(jobs);
      Map<String, List<Ranked>> ranked = new LinkedHashMap<>();
      for (int i = 0; i < results.size(); i++) {
        Arm arm = jobArms.get(i);
        SearchTrial trial = jobTrials.get(i);
        TrainingResult r = results.get(i);
        Ranked score =
            r == null
                ? new Ranked(trial, Double.NaN, Double.POSITIVE_INFINITY) // diverged: it loses
                : Ranked.of(trial, r.history(), rung.epochs(), keepBestEpoch);
        scores
            .get(arm.model())
            .put(
                trial.index(),
                new SearchSummary.TrialScore(trial, rung.epochs(), score.accuracy()));
        seconds.merge(arm.model(), r == null ? 0 : r.seconds(), Double::sum);
        ranked.computeIfAbsent(arm.model(), m -> new ArrayList<>()).add(score);
        if (last) {
          chosen.put(arm.model(), r);
        }
      }
      if (!last) {
        int keep = rungs.get(k + 1).trials();
        for (Arm arm : arms) {
          List<Ranked> order = new ArrayList<>(ranked.get(arm.model()));
          order.sort(Ranked.BEST_FIRST);
          alive.put(arm.model(), order.subList(0, keep).stream().map(Ranked::trial).toList());
          LOG.info(
              "Search {}: after epoch {}, best {} ({}); {} of {} continue",
              arm.model(),
              rung.epochs(),
              String.format("%.2f %%", 100 * order.get(0).accuracy()),
              order.get(0).trial().describe(),
              keep,
              order.size());
        }
      }
    }
    Map<String, Outcome> out = new LinkedHashMap<>();
    for (Arm arm : arms) {
      SearchTrial winner = alive.get(arm.model()).get(0);
      List<SearchSummary.TrialScore> trials = new ArrayList<>(scores.get(arm.model()).values());
      trials.sort(Comparator.comparingInt(t -> t.trial().index()));
      SearchSummary summary =
          new SearchSummary(
              rungs,
              trials,
              winner.index(),
              plan.costEpochs(),
              plan.maxEpochs(),
              seconds.get(arm.model()));
      LOG.info(
          "Search {}: chose {} (validation {}) of {} trials; cost {} epochs ({} full trainings), {} s",
          arm.model(),
          winner.describe(),
          String.format("%.2f %%", 100 * summary.choiceAccuracy()),
          trials.size(),
          plan.costEpochs(),
          String.format("%.1f", plan.costInFullTrainings()),
          String.format("%.0f", summary.seconds()));
      if (arm.distilled() && !winner.distils()) {
        LOG.warn(
            "Search {}: validation chose alpha = 1 (hard labels only): for size {}, no distilled setting"
                + " beat the hard-label ones on validation",
            arm.model(),
            arm.spec().name());
      }
      out.put(arm.model(), new Outcome(summary, chosen.get(arm.model())));
    }
    return out;
  }

  /**
   * A trial before the last rung: its history and seconds (its network is in its checkpoint). A
   * trial that diverges there is a setting that loses (null), not a failed run: nothing of it is
   * published. Only the chosen trial's divergence fails the run.
   */
  private static TrainingResult trainOrDiverge(
      TrialTrainer trainer, Arm arm, SearchTrial trial, int epochs) {
    try {
      TrainingResult r = trainer.train(arm, trial, epochs);
      // only its history is needed before the last rung: the network is not held meanwhile
      return new TrainingResult(null, r.history(), r.keptEpoch(), r.stoppedEarly(), r.seconds());
    } catch (TrainingDivergedException e) {
      LOG.warn(
          "Search {}: trial {} ({}) diverged and drops out: {}",
          arm.model(),
          trial.index(),
          trial.describe(),
          e.getMessage());
      return null;
    }
  }

  /**
   * A trial's standing after a rung: the validation accuracy of the model it would publish (the
   * rung's last epoch, or its best epoch when the trainer keeps the best), that epoch's validation
   * loss to break ties, then the trial's index.
   */
  record Ranked(SearchTrial trial, double accuracy, double loss) {
    static final Comparator<Ranked> BEST_FIRST =
        Comparator.comparingDouble((Ranked r) -> Double.isNaN(r.accuracy()) ? 1 : -r.accuracy())
            .thenComparingDouble(Ranked::loss)
            .thenComparingInt(r -> r.trial().index());

    static Ranked of(SearchTrial trial, List<EpochStats> history, int epochs, boolean keepBest) {
      EpochStats kept = null;
      for (EpochStats e : history) {
        if (e.epoch() > epochs) {
          break; // a trial resumed from a later rung's checkpoint: judged at this rung's epoch
        }
        if (kept == null || !keepBest || e.validationAccuracy() > kept.validationAccuracy()) {
          kept = e;
        }
      }
      if (kept == null || Double.isNaN(kept.validationAccuracy())) {
        throw new IllegalStateException(
            "search trial " + trial.index() + " has no validation accuracy at epoch " + epochs);
      }
      return new Ranked(trial, kept.validationAccuracy(), kept.validationLoss());
    }
  }
}
