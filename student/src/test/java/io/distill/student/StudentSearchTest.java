package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.EpochStats;
import io.distill.trainer.Optimiser;
import io.distill.trainer.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The per-model settings search on real rows (Spark local mode, 2 workers): successive halving
 * keeps the best trials on validation, continuing trials resume from their checkpoints and end
 * where an unbroken training of the chosen setting ends, both models of a size get the same budget,
 * a diverging setting drops out unpublished, and a rerun redoes nothing.
 */
class StudentSearchTest {
  @TempDir static Path dir;
  static String soft;
  static String misleading;
  static SparkSession spark;

  @BeforeAll
  static void rows() {
    spark = LocalSpark.session();
    // A "teacher" whose logits put 3 on the label and 1 on the label's neighbour class.
    soft = teacher("soft", "IF(k = label, 3.0, IF(k = (label + 1) % 10, 1.0, 0.0))");
    // A teacher that is always wrong: 3 on the label's neighbour class.
    misleading = teacher("misleading", "IF(k = (label + 1) % 10, 3.0, 0.0)");
  }

  /** 1,300 embedded rows with teacher logits {@code logit(k)} for each class k, as Parquet. */
  private static String teacher(String name, String logit) {
    String path = dir.resolve(name).toString();
    EmbeddedMnist.train()
        .where("id < 1300")
        .selectExpr(
            "id",
            "features",
            "label",
            "transform(sequence(0, 9), k -> CAST(" + logit + " AS FLOAT)) AS teacher_logits")
        .write()
        .parquet(path);
    return path;
  }

  private static StudentSweep sweep(
      List<StudentSpec> specs, TrainingSettings settings, String out) {
    return sweep(specs, settings, out, soft);
  }

  private static StudentSweep sweep(
      List<StudentSpec> specs, TrainingSettings settings, String out, String softLabels) {
    Dataset<Row> all = spark.read().parquet(softLabels);
    return StudentSweep.of(spark)
        .specs(specs)
        .trainingData(all.where("id < 1000"), "train")
        .validationData(all.where("id >= 1000"), "validation")
        .shape(784, 10)
        .settings(settings)
        .output(out);
  }

  @Test
  void searchesBothModelsWithTheSameBudgetAndEndsWhereAnUnbrokenTrainingEnds() throws Exception {
    List<StudentSpec> specs = List.of(new StudentSpec("tiny", new int[] {16}, null, 2.5, 0.3, 7L));
    TrainingSettings settings =
        TrainingSettings.builder().epochs(4).workers(2).batchSizePerWorker(50).build();
    SearchSpace space =
        new SearchSpace(
            List.of(2.0, 6.0),
            List.of(0.5),
            List.of(false, true),
            List.of(1e-3, 5e-3),
            List.of(0.8, 1.0),
            List.of(0.0, 8.0));
    String out = dir.resolve("searched").toString();
    List<String> searchedBefore = new ArrayList<>();
    List<TrainedStudent> searched =
        sweep(specs, settings, out)
            .search(4, 2, space)
            .beforeDistilling(
                baselines -> {
                  assertFalse(
                      Files.exists(Path.of(out, StudentSweep.SEARCH, "tiny-distilled")),
                      "no distilled trial has trained yet");
                  baselines.forEach(
                      b -> searchedBefore.add(b.model() + " " + b.search().trials().size()));
                })
            .execute();
    assertEquals(List.of("tiny-baseline 4"), searchedBefore, "once, the searched baselines");

    assertEquals(
        List.of("tiny-distilled", "tiny-baseline"),
        searched.stream().map(TrainedStudent::model).toList());
    for (TrainedStudent s : searched) {
      SearchSummary summary = s.search();
      assertEquals(4, summary.trials().size(), s.model());
      // rungs: 4 trials to epoch 1, 2 to epoch 2, 1 to epoch 4
      Map<Integer, Long> reached =
          summary.trials().stream()
              .collect(
                  Collectors.groupingBy(SearchSummary.TrialScore::epochs, Collectors.counting()));
      assertEquals(Map.of(1, 2L, 2, 1L, 4, 1L), reached, s.model());
      assertEquals(4, summary.trials().get(summary.chosen()).epochs());
      assertEquals(4 + 2 + 2, summary.costEpochs());
      assertEquals(4, s.history().size(), "the chosen model trained the full budget");
      assertEquals(
          s.history().get(3).validationAccuracy(),
          summary.choiceAccuracy(),
          "judged on its last epoch");
      assertEquals(summary.choice().alpha(), s.alpha());
      // survivors beat the trials eliminated at the same rung on validation: the second-rung
      // trial's
      // first-rung score is not recorded, but the chosen one beat the eliminated ones at epoch 1
      double chosenAtOne = s.history().get(0).validationAccuracy();
      for (SearchSummary.TrialScore t : summary.trials()) {
        if (t.epochs() == 1) {
          assertTrue(t.validationAccuracy() <= chosenAtOne, s.model() + " trial " + t.trial());
        }
      }
    }
    List<Long> seeds =
        searched.get(0).search().trials().stream().map(t -> t.trial().seed()).toList();
    assertEquals(
        seeds, searched.get(1).search().trials().stream().map(t -> t.trial().seed()).toList());
    assertEquals(
        new SearchTrial(
            0, 2.5, 0.3, false, Optimiser.STUDENT_LEARNING_RATE, Optimiser.STUDENT_DECAY, 7),
        searched.get(0).search().trials().get(0).trial(),
        "the configured setting is the first trial");
    assertFalse(
        Files.exists(dir.resolve("searched/_search/tiny-distilled")), "trial checkpoints go");

    // The chosen settings given as the size's fixed settings (no search: one unbroken run of 4
    // epochs per model) give the same models: continuing across rungs from checkpoints changes
    // nothing, and a size can carry what a search chose for each of its models.
    SearchTrial d = searched.get(0).search().choice();
    SearchTrial b = searched.get(1).search().choice();
    StudentSpec chosen =
        new StudentSpec(
            "tiny",
            new int[] {16},
            null,
            d.distils() ? d.temperature() : 1.0,
            d.alpha(),
            d.seed(),
            d.standardise(),
            d.dkdBeta(),
            d.learningRate(),
            d.lrDecay(),
            b.learningRate(),
            b.lrDecay(),
            b.seed());
    List<TrainedStudent> unbroken =
        sweep(List.of(chosen), settings, dir.resolve("unbroken").toString()).execute();
    for (int i = 0; i < 2; i++) {
      assertEquals(
          searched.get(i).history().stream().map(EpochStats::validationAccuracy).toList(),
          unbroken.get(i).history().stream().map(EpochStats::validationAccuracy).toList());
      MultiLayerNetwork x = ModelSerializer.restoreMultiLayerNetwork(searched.get(i).modelPath());
      MultiLayerNetwork y = ModelSerializer.restoreMultiLayerNetwork(unbroken.get(i).modelPath());
      assertArrayEquals(x.params().toFloatVector(), y.params().toFloatVector(), 1e-6f);
    }

    List<TrainedStudent> again = sweep(specs, settings, out).search(4, 2, space).execute();
    assertTrue(again.stream().noneMatch(TrainedStudent::trainedNow), "same inputs: nothing redone");
    assertEquals(searched.get(0).search(), again.get(0).search());
  }

  /**
   * A search that fails part-way (another size's network cannot take the rows) and is run again
   * continues from its trials' checkpoints and ends with the models an unbroken search makes.
   */
  @Test
  void aCrashedSearchRunAgainContinuesFromItsTrialsAndEndsAsAnUnbrokenOne() throws Exception {
    StudentSpec good = new StudentSpec("good", new int[] {12}, null, 4, 0.5, null);
    String broken =
        new NeuralNetConfiguration.Builder()
            .updater(new Adam(1e-3))
            .list()
            .layer(new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.RELU).build())
            .layer(
                new OutputLayer.Builder()
                    .nIn(4)
                    .nOut(10)
                    .activation(Activation.IDENTITY)
                    .lossFunction(DistillationLoss.hardLabelsOnly())
                    .build())
            .build()
            .toJson();
    StudentSpec bad = new StudentSpec("bad", null, broken, 4, 0.5, null);
    TrainingSettings settings =
        TrainingSettings.builder().epochs(3).workers(2).batchSizePerWorker(50).build();
    SearchSpace space =
        new SearchSpace(
            List.of(2.0, 6.0), List.of(0.5), List.of(false), List.of(1e-3, 5e-3), List.of(1.0));
    String out = dir.resolve("crashed").toString();
    assertThrows(
        RuntimeException.class,
        () -> sweep(List.of(good, bad), settings, out).search(3, 3, space).execute(),
        "the broken size fails the baselines' first rung");
    // the good baseline's first-rung trials ran before the broken one's: their checkpoints are
    // there; no distilled student's search began (the baselines' searches come first)
    assertTrue(Files.exists(dir.resolve("crashed/_search/good-baseline")));
    assertFalse(Files.exists(dir.resolve("crashed/_search/good-distilled")));

    List<TrainedStudent> resumed =
        sweep(List.of(good), settings, out).search(3, 3, space).execute();
    List<TrainedStudent> unbroken =
        sweep(List.of(good), settings, dir.resolve("unbroken-search").toString())
            .search(3, 3, space)
            .execute();
    for (int i = 0; i < 2; i++) {
      assertEquals(unbroken.get(i).search().trials(), resumed.get(i).search().trials());
      assertEquals(
          unbroken.get(i).history().stream().map(EpochStats::validationLoss).toList(),
          resumed.get(i).history().stream().map(EpochStats::validationLoss).toList());
      assertArrayEquals(
          ModelSerializer.restoreMultiLayerNetwork(unbroken.get(i).modelPath())
              .params()
              .toFloatVector(),
          ModelSerializer.restoreMultiLayerNetwork(resumed.get(i).modelPath())
              .params()
              .toFloatVector(),
          1e-6f);
    }
  }

  /**
   * A distilled student whose search ends below its baseline on validation becomes the baseline's
   * model (α = 1 is one of its candidates): on validation it is never worse, and it says so.
   */
  @Test
  void aDistilledStudentThatLosesOnValidationBecomesItsBaseline() throws Exception {
    // A teacher that is always wrong, learnt from alone (alpha 0): with 2 trials the distilled
    // student tries it at the configured rate and at the baseline's second rate, and ends far below
    // the baseline, which learns the labels.
    List<StudentSpec> specs = List.of(new StudentSpec("slow", new int[] {16}, null, 0.05, 0, null));
    TrainingSettings settings =
        TrainingSettings.builder().epochs(2).workers(2).batchSizePerWorker(50).build();
    SearchSpace space =
        new SearchSpace(List.of(0.05), List.of(0.0), List.of(false), List.of(5e-3), List.of(1.0));
    List<TrainedStudent> searched =
        sweep(specs, settings, dir.resolve("adopted").toString(), misleading)
            .optimiser(Optimiser.adam(1e-4, 1.0))
            .search(2, 2, space)
            .execute();
    TrainedStudent distilled = searched.get(0);
    TrainedStudent baseline = searched.get(1);
    assertTrue(
        distilled.search().adopted() != null,
        "the distilled search ended below the baseline: " + distilled.search());
    assertEquals(1.0, distilled.alpha());
    assertTrue(Double.isNaN(distilled.temperature()));
    assertEquals(baseline.search().choice(), distilled.search().choice());
    assertEquals(baseline.history(), distilled.history());
    assertArrayEquals(
        Files.readAllBytes(Path.of(baseline.modelPath())),
        Files.readAllBytes(Path.of(distilled.modelPath())));
    assertTrue(distilled.search().choiceAccuracy() >= baseline.search().choiceAccuracy());
  }

  @Test
  void aDivergingSettingDropsOutAndIsNeverChosen() {
    List<StudentSpec> specs = List.of(new StudentSpec("d", new int[] {16}, null, 2, 0.5, null));
    TrainingSettings settings =
        TrainingSettings.builder().epochs(2).workers(2).batchSizePerWorker(50).build();
    // every drawn setting has a rate of 1e4: only the configured trial (Adam 0.002) can learn
    SearchSpace space =
        new SearchSpace(List.of(2.0), List.of(0.5), List.of(false), List.of(1e4), List.of(1.0));
    List<TrainedStudent> searched =
        sweep(specs, settings, dir.resolve("diverging").toString()).search(3, 3, space).execute();
    Function<TrainedStudent, SearchTrial> choice = s -> s.search().choice();
    for (TrainedStudent s : searched) {
      assertEquals(Optimiser.STUDENT_LEARNING_RATE, choice.apply(s).learningRate(), s.model());
      assertTrue(s.history().stream().allMatch(e -> Double.isFinite(e.trainLoss())));
      assertTrue(
          s.search().trials().stream()
              .filter(t -> t.trial().learningRate() > 1)
              .allMatch(t -> Double.isNaN(t.validationAccuracy())),
          "the diverged trials have no score: " + s.search().trials());
    }
  }
}
