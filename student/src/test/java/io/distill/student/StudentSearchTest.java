package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.trainer.EpochStats;
import io.distill.trainer.Optimiser;
import io.distill.trainer.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-model settings search on real rows (Spark local mode, 2 workers): successive halving
 * keeps the best trials on validation, continuing trials resume from their checkpoints and end
 * where an unbroken training of the chosen setting ends, both models of a size get the same budget,
 * a diverging setting drops out unpublished, and a rerun redoes nothing.
 */
class StudentSearchTest {
  @TempDir static Path dir;
  static String soft;
  static SparkSession spark;

  @BeforeAll
  static void rows() {
    spark = LocalSpark.session();
    soft = dir.resolve("soft").toString();
    // A "teacher" whose logits put 3 on the label and 1 on the label's neighbour class.
    EmbeddedMnist.train()
        .where("id < 1300")
        .selectExpr(
            "id",
            "features",
            "label",
            "transform(sequence(0, 9), k -> CAST(IF(k = label, 3.0, IF(k = (label + 1) % 10, 1.0,"
                + " 0.0)) AS FLOAT)) AS teacher_logits")
        .write()
        .parquet(soft);
  }

  private static StudentSweep sweep(
      List<StudentSpec> specs, TrainingSettings settings, String out) {
    Dataset<Row> all = spark.read().parquet(soft);
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
        new SearchSpace(List.of(2.0, 6.0), List.of(0.5), List.of(1e-3, 5e-3), List.of(0.8, 1.0));
    String out = dir.resolve("searched").toString();
    List<TrainedStudent> searched = sweep(specs, settings, out).search(4, 2, space).execute();

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
        new SearchTrial(0, 2.5, 0.3, Optimiser.STUDENT_LEARNING_RATE, Optimiser.STUDENT_DECAY, 7),
        searched.get(0).search().trials().get(0).trial(),
        "the configured setting is the first trial");
    assertFalse(
        Files.exists(dir.resolve("searched/_search/tiny-distilled")), "trial checkpoints go");

    // The chosen baseline setting trained without a search (one unbroken run of 4 epochs) gives the
    // same model: continuing across rungs from checkpoints changes nothing.
    SearchTrial choice = searched.get(1).search().choice();
    List<TrainedStudent> unbroken =
        sweep(
                List.of(new StudentSpec("tiny", new int[] {16}, null, 2.5, 0.3, choice.seed())),
                settings,
                dir.resolve("unbroken").toString())
            .optimiser(Optimiser.adam(choice.learningRate(), choice.lrDecay()))
            .execute();
    assertEquals(
        searched.get(1).history().stream().map(EpochStats::validationAccuracy).toList(),
        unbroken.get(1).history().stream().map(EpochStats::validationAccuracy).toList());
    MultiLayerNetwork a = ModelSerializer.restoreMultiLayerNetwork(searched.get(1).modelPath());
    MultiLayerNetwork b = ModelSerializer.restoreMultiLayerNetwork(unbroken.get(1).modelPath());
    assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector(), 1e-6f);

    List<TrainedStudent> again = sweep(specs, settings, out).search(4, 2, space).execute();
    assertTrue(again.stream().noneMatch(TrainedStudent::trainedNow), "same inputs: nothing redone");
    assertEquals(searched.get(0).search(), again.get(0).search());
  }

  @Test
  void aDivergingSettingDropsOutAndIsNeverChosen() {
    List<StudentSpec> specs = List.of(new StudentSpec("d", new int[] {16}, null, 2, 0.5, null));
    TrainingSettings settings =
        TrainingSettings.builder().epochs(2).workers(2).batchSizePerWorker(50).build();
    // every drawn setting has a rate of 1e4: only the configured trial (Adam 0.002) can learn
    SearchSpace space = new SearchSpace(List.of(2.0), List.of(0.5), List.of(1e4), List.of(1.0));
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
