package io.distill.student;

import io.distill.core.Fingerprint;
import io.distill.core.HadoopFiles;
import io.distill.trainer.Optimiser;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TrainingResult;
import io.distill.trainer.TrainingSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sweep whose models' settings are searched ({@link StudentSweep#search}): the arms (a baseline
 * and a distilled student per size, the baseline first), each recorded once its search is done and
 * not searched again for the same inputs; the trials trained by {@link SettingsSearch}, each
 * resuming from its checkpoints; the chosen models published, a distilled student that ends below
 * its baseline on validation replaced by it.
 */
final class SearchedSweep {
  private static final Logger LOG = LoggerFactory.getLogger(SearchedSweep.class);

  private final SweepModels models;
  private final List<StudentSpec> specs;
  private final SearchPlan plan;
  private final SearchSpace space;
  private final SettingsSearch.Parallel parallel;

  SearchedSweep(
      SweepModels models,
      List<StudentSpec> specs,
      SearchPlan plan,
      SearchSpace space,
      SettingsSearch.Parallel parallel) {
    this.models = models;
    this.specs = specs;
    this.plan = plan;
    this.space = space;
    this.parallel = parallel;
  }

  /**
   * Searches every model's settings (those not already recorded for these inputs): the baselines'
   * first, then {@code beforeDistilling} with them, then the distilled students'.
   */
  List<TrainedStudent> run(Consumer<List<TrainedStudent>> beforeDistilling) {
    Configuration hadoop = models.hadoop();
    List<SettingsSearch.Arm> arms = new ArrayList<>();
    Map<String, String> fingerprints = new HashMap<>();
    Map<String, TrainedStudent> found = new HashMap<>();
    for (StudentSpec spec : specs) {
      // the baseline first: its trials pair the distilled student's, and a distilled student that
      // loses to it on validation becomes it
      List<SearchTrial> baselineTrials = null;
      for (boolean distilled : new boolean[] {false, true}) {
        String model = distilled ? spec.distilledName() : spec.baselineName();
        boolean mlp = spec.hidden() != null;
        Optimiser own = models.optimiser(spec, distilled);
        SearchTrial configured =
            new SearchTrial(
                0,
                distilled && spec.alpha() < 1 ? spec.temperature() : Double.NaN,
                distilled ? spec.alpha() : 1.0,
                distilled && spec.standardise(),
                distilled ? spec.dkdBeta() : 0.0,
                mlp ? own.learningRate() : Double.NaN,
                mlp ? own.decayPerEpoch() : Double.NaN,
                models.seed(spec, distilled));
        List<SearchTrial> trials =
            distilled
                ? space.distilledTrials(configured, baselineTrials)
                : space.baselineTrials(configured, mlp, plan.trials());
        baselineTrials = distilled ? baselineTrials : trials;
        SettingsSearch.Arm arm = new SettingsSearch.Arm(spec, distilled, model, trials);
        Fingerprint f = Fingerprint.of("student-search").add("plan", plan.toString());
        if (distilled) {
          f.add("baseline", fingerprints.get(spec.baselineName()));
        }
        for (SearchTrial trial : arm.trials()) {
          f.add("trial-" + trial.index(), trialFingerprint(arm, trial, trialNetwork(arm, trial)));
        }
        String fingerprint = f.hex();
        fingerprints.put(model, fingerprint);
        Optional<TrainedStudent> done =
            models
                .store
                .find(model, fingerprint, TrainedStudent.class)
                .filter(d -> SweepModels.exists(d.modelPath(), hadoop));
        if (done.isPresent()) {
          LOG.info("Student {}: already searched and trained for these inputs, not redone", model);
          found.put(model, done.get().reused());
        } else {
          arms.add(arm);
        }
      }
    }
    Map<String, SettingsSearch.Outcome> outcomes =
        search(arms.stream().filter(a -> !a.distilled()).toList());
    List<TrainedStudent> baselines = new ArrayList<>();
    for (StudentSpec spec : specs) {
      TrainedStudent baseline = found.get(spec.baselineName());
      if (baseline == null) {
        baseline = publish(spec, false, outcomes.get(spec.baselineName()), fingerprints);
      }
      baselines.add(baseline);
    }
    beforeDistilling.accept(List.copyOf(baselines));
    outcomes = search(arms.stream().filter(SettingsSearch.Arm::distilled).toList());
    List<TrainedStudent> out = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      StudentSpec spec = specs.get(i);
      TrainedStudent baseline = baselines.get(i);
      TrainedStudent distilled = found.get(spec.distilledName());
      if (distilled == null) {
        SettingsSearch.Outcome o = outcomes.get(spec.distilledName());
        SearchSummary b = baseline.search();
        if (b != null && b.choiceAccuracy() > o.summary().choiceAccuracy()) {
          distilled = adoptBaseline(spec, o, baseline, fingerprints);
        } else {
          distilled = publish(spec, true, o, fingerprints);
        }
      }
      out.add(distilled);
      out.add(baseline);
    }
    return out;
  }

  private Map<String, SettingsSearch.Outcome> search(List<SettingsSearch.Arm> arms) {
    return arms.isEmpty()
        ? Map.of()
        : SettingsSearch.run(
            arms, plan, models.settings.keepBestEpoch(), this::trainTrial, parallel);
  }

  /** Writes a searched model's chosen training as the model, and records it. */
  private TrainedStudent publish(
      StudentSpec spec,
      boolean distilled,
      SettingsSearch.Outcome o,
      Map<String, String> fingerprints) {
    Configuration hadoop = models.hadoop();
    String model = distilled ? spec.distilledName() : spec.baselineName();
    SearchTrial choice = o.summary().choice();
    String path = models.output + "/" + model + "/" + StudentSweep.MODEL;
    SweepModels.writeModel(path, o.chosen(), hadoop);
    TrainedStudent trained =
        new TrainedStudent(
            model,
            distilled ? ModelMetrics.DISTILLED : ModelMetrics.BASELINE,
            spec.name(),
            choice.temperature(),
            choice.alpha(),
            path,
            o.chosen().history(),
            o.summary().seconds(),
            true,
            o.summary(),
            o.chosen().keptEpoch());
    models.store.write(model, fingerprints.get(model), o.summary().seconds(), trained);
    SweepModels.deleteQuietly(models.output + "/" + StudentSweep.SEARCH + "/" + model, hadoop);
    return trained;
  }

  /**
   * α = 1 is a candidate of every distilled student, so one whose search ended below its baseline's
   * on validation becomes the baseline's choice: a hard-label student, said so in the log, the
   * record and the report. On validation a distilled student is then never worse than its baseline;
   * where this happens, distillation did not help that size.
   */
  private TrainedStudent adoptBaseline(
      StudentSpec spec,
      SettingsSearch.Outcome o,
      TrainedStudent baseline,
      Map<String, String> fingerprints) {
    Configuration hadoop = models.hadoop();
    String model = spec.distilledName();
    SearchSummary b = baseline.search();
    SearchSummary summary = o.summary().adopting(b.trials().get(b.chosen()));
    LOG.warn(
        "Search {}: its best distilled setting ({}, validation {}) is below the baseline's ({}, {}):"
            + " the distilled student of size {} is the baseline's hard-label model; distillation did"
            + " not help this size on validation",
        model,
        o.summary().trials().get(o.summary().chosen()).trial().describe(),
        String.format(
            "%.2f %%", 100 * o.summary().trials().get(o.summary().chosen()).validationAccuracy()),
        summary.choice().describe(),
        String.format("%.2f %%", 100 * summary.choiceAccuracy()),
        spec.name());
    String path = models.output + "/" + model + "/" + StudentSweep.MODEL;
    HadoopFiles.publishCopy(baseline.modelPath(), path, hadoop);
    TrainedStudent trained =
        new TrainedStudent(
            model,
            ModelMetrics.DISTILLED,
            spec.name(),
            Double.NaN,
            1.0,
            path,
            baseline.history(),
            o.summary().seconds(),
            true,
            summary,
            baseline.keptEpoch());
    models.store.write(model, fingerprints.get(model), o.summary().seconds(), trained);
    SweepModels.deleteQuietly(models.output + "/" + StudentSweep.SEARCH + "/" + model, hadoop);
    return trained;
  }

  /** Trains one search trial to {@code epochs}, continuing from its checkpoint. */
  private TrainingResult trainTrial(SettingsSearch.Arm arm, SearchTrial trial, int epochs) {
    MultiLayerConfiguration conf = trialNetwork(arm, trial);
    String fingerprint = trialFingerprint(arm, trial, conf);
    String checkpoints =
        models.output
            + "/"
            + StudentSweep.SEARCH
            + "/"
            + arm.model()
            + "/trial-"
            + trial.index()
            + "-"
            + fingerprint.substring(0, 16);
    TrainingSettings trialSettings =
        models.settings.toBuilder()
            .epochs(epochs)
            .seed(trial.seed())
            .checkpointDir(checkpoints)
            .build();
    SparkTrainer trainer =
        SparkTrainer.of(models.spark)
            .name("student " + arm.model() + " trial " + trial.index())
            .network(conf)
            .trainingData(models.trainingPack.get())
            .validationData(models.validationPack.get())
            .settings(trialSettings)
            .resume(true);
    return trainer.execute();
  }

  private MultiLayerConfiguration trialNetwork(SettingsSearch.Arm arm, SearchTrial trial) {
    Optimiser updater =
        Double.isNaN(trial.learningRate())
            ? models.optimiser()
            : models.optimiser().withRate(trial.learningRate(), trial.lrDecay());
    return models.network(arm.spec(), trial.loss(), updater, trial.seed());
  }

  /**
   * What a trial's training depends on, its epochs aside (a trial that continues to a later rung
   * resumes from the same checkpoint).
   */
  private String trialFingerprint(
      SettingsSearch.Arm arm, SearchTrial trial, MultiLayerConfiguration network) {
    return Fingerprint.of("student-trial")
        .add("student", models.fingerprint(network, arm.spec()))
        .add("trial", trial.toString())
        .hex();
  }
}
