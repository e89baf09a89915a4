package io.distill.jobs.pipeline;

import io.distill.student.SearchPlan;
import io.distill.teacher.TrainTeacherAction;
import io.distill.trainer.TrainingDivergedException;
import io.distill.trainer.TrainingSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code teacher.search = halving}: the recipe of a teacher the run trains, chosen on the
 * validation rows by successive halving ({@link SearchPlan}): every recipe (learning-rate factor ×
 * jitter) trains for a few epochs, the best {@code 1/eta} continue from their checkpoints, until
 * one has trained the full epochs, kept at its best validation epoch (so the epochs are chosen
 * too). The test split is never read. A recipe whose training diverges drops out.
 */
final class TeacherRecipeSearch {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherRecipeSearch.class);

  private TeacherRecipeSearch() {}

  /** One recipe: the factor on the teacher's learning rate and the input jitter (0 = none). */
  record Recipe(int index, double learningRateFactor, int jitter) {
    String describe() {
      return "learning rate x" + learningRateFactor + ", jitter " + jitter;
    }
  }

  /**
   * A recipe's last rung: the epochs it trained to, its best validation accuracy then (NaN when it
   * diverged) and the epoch of that accuracy.
   */
  record Trial(Recipe recipe, int epochs, double validationAccuracy, int keptEpoch) {
    boolean diverged() {
      return Double.isNaN(validationAccuracy);
    }
  }

  /** What the search did: its rungs, every recipe's last rung, the one chosen, its cost. */
  record Summary(
      List<SearchPlan.Rung> rungs, List<Trial> trials, int chosen, int costEpochs, int fullEpochs) {

    Trial choice() {
      return trials.get(chosen);
    }

    /** The one line the log and the report give. */
    String line() {
      Trial c = choice();
      return String.format(
          "teacher recipe chosen on validation by successive halving over %d recipes (%.1f full"
              + " trainings): %s, epoch %d of %d kept (%.2f %%)",
          trials.size(),
          costEpochs / (double) fullEpochs,
          c.recipe().describe(),
          c.keptEpoch(),
          fullEpochs,
          100 * c.validationAccuracy());
    }

    /** For the manifest. */
    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rungs", rungs);
      m.put("trials", trials);
      m.put("chosen", choice().recipe());
      m.put("costEpochs", costEpochs);
      m.put("fullEpochs", fullEpochs);
      return m;
    }
  }

  /** The chosen recipe's training (its model at {@code model}) and the search's summary. */
  record Result(TrainTeacherAction.Result trained, Summary summary) {}

  /** Every factor × jitter, factors outermost, numbered from 0. */
  static List<Recipe> recipes(List<Double> factors, List<Integer> jitters) {
    List<Recipe> out = new ArrayList<>();
    for (double f : factors) {
      for (int j : jitters) {
        out.add(new Recipe(out.size(), f, j));
      }
    }
    return List.copyOf(out);
  }

  /**
   * Searches {@code recipes}; each trial trains through a new {@code action} (its data set) with
   * {@code network(recipe)} and {@code settings(recipe)} (their epochs the full budget),
   * checkpointed under {@code checkpoints}/recipe-i; the chosen recipe's last rung writes the
   * teacher to {@code model}.
   */
  static Result run(
      List<Recipe> recipes,
      int eta,
      Function<Recipe, MultiLayerConfiguration> network,
      Function<Recipe, TrainingSettings> settings,
      Supplier<TrainTeacherAction> action,
      String model,
      String checkpoints) {
    int fullEpochs = settings.apply(recipes.get(0)).epochs();
    SearchPlan plan = new SearchPlan(recipes.size(), eta, fullEpochs);
    Map<Integer, Trial> last = new LinkedHashMap<>();
    List<Recipe> alive = recipes;
    TrainTeacherAction.Result chosen = null;
    List<SearchPlan.Rung> rungs = plan.rungs();
    for (int k = 0; k < rungs.size(); k++) {
      SearchPlan.Rung rung = rungs.get(k);
      boolean lastRung = k == rungs.size() - 1;
      alive =
          alive.stream()
              .sorted(
                  Comparator.comparingDouble(
                          (Recipe r) ->
                              last.containsKey(r.index())
                                  ? -finite(last.get(r.index()).validationAccuracy())
                                  : 0)
                      .thenComparingInt(Recipe::index))
              .filter(r -> !last.containsKey(r.index()) || !last.get(r.index()).diverged())
              .limit(rung.trials())
              .toList();
      if (alive.isEmpty()) {
        throw new IllegalStateException(
            "every teacher recipe of the search diverged: no teacher to publish");
      }
      LOG.info(
          "Teacher search, rung {} of {}: {} recipe(s) to epoch {}",
          k + 1,
          rungs.size(),
          alive.size(),
          rung.epochs());
      for (Recipe r : alive) {
        String dir = checkpoints + "/recipe-" + r.index();
        TrainingSettings s =
            settings.apply(r).toBuilder()
                .epochs(rung.epochs())
                .checkpointDir(dir + "/checkpoints")
                .build();
        try {
          TrainTeacherAction.Result res =
              action
                  .get()
                  .network(network.apply(r))
                  .output(lastRung ? model : dir + "/model.zip")
                  .settings(s)
                  .execute();
          last.put(
              r.index(),
              new Trial(r, rung.epochs(), res.info().validationAccuracy(), res.info().epochs()));
          LOG.info(
              "Teacher recipe {} ({}): validation {} % after {} epochs (epoch {} kept)",
              r.index(),
              r.describe(),
              String.format("%.2f", 100 * res.info().validationAccuracy()),
              rung.epochs(),
              res.info().epochs());
          if (lastRung) {
            chosen = res;
          }
        } catch (TrainingDivergedException e) {
          if (lastRung) {
            throw e; // the one recipe left: nothing else to publish
          }
          LOG.warn(
              "Teacher recipe {} ({}) diverged and drops out: {}", r.index(), r, e.getMessage());
          last.put(r.index(), new Trial(r, rung.epochs(), Double.NaN, 0));
        }
      }
    }
    List<Trial> trials = recipes.stream().map(r -> last.get(r.index())).toList();
    int index = alive.get(0).index();
    Summary summary = new Summary(rungs, trials, index, plan.costEpochs(), fullEpochs);
    LOG.info("Teacher: {}", summary.line());
    return new Result(chosen, summary);
  }

  private static double finite(double accuracy) {
    return Double.isNaN(accuracy) ? Double.NEGATIVE_INFINITY : accuracy;
  }
}
