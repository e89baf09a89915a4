package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudentSweepTest {
  @TempDir Path dir;

  @Test
  void trainsADistilledAndABaselineStudentPerSizeAndDoesNotRedoThem() throws Exception {
    SparkSession spark = LocalSpark.session();
    String soft = dir.resolve("soft").toString();
    EmbeddedMnist.train()
        .where("id < 1000")
        .selectExpr(
            "id",
            "features",
            "label",
            "transform(sequence(0, 9), k -> CAST(IF(k = label, 5.0, 0.0) AS FLOAT)) AS teacher_logits")
        .write()
        .parquet(soft);
    List<StudentSpec> specs =
        List.of(new StudentSpec("tiny", new int[] {16}, null, 2.5, 0.3, null));
    TrainingSettings settings =
        TrainingSettings.builder().epochs(1).workers(2).batchSizePerWorker(50).build();
    String out = dir.resolve("students").toString();

    List<List<String>> beforeDistilling = new ArrayList<>();
    List<TrainedStudent> first =
        StudentSweep.of(spark)
            .specs(specs)
            .trainingData(spark.read().parquet(soft), soft)
            .shape(784, 10)
            .settings(settings)
            .output(out)
            .beforeDistilling(
                baselines -> {
                  assertFalse(
                      Files.exists(dir.resolve("students/tiny-distilled")),
                      "called before the distilled student trains");
                  beforeDistilling.add(baselines.stream().map(TrainedStudent::model).toList());
                })
            .execute();
    assertEquals(
        List.of("tiny-distilled", "tiny-baseline"),
        first.stream().map(TrainedStudent::model).toList());
    assertEquals(
        List.of(List.of("tiny-baseline")),
        beforeDistilling,
        "called once, with the trained baselines");
    assertTrue(first.stream().allMatch(TrainedStudent::trainedNow));
    MultiLayerNetwork distilled =
        ModelSerializer.restoreMultiLayerNetwork(
            dir.resolve("students/tiny-distilled/model.zip").toFile());
    assertEquals(
        new DistillationLoss(0.3, 2.5),
        ((BaseOutputLayer) distilled.getLayerWiseConfigurations().getConf(1).getLayer())
            .getLossFn());
    MultiLayerNetwork baseline =
        ModelSerializer.restoreMultiLayerNetwork(
            dir.resolve("students/tiny-baseline/model.zip").toFile());
    assertEquals(
        DistillationLoss.hardLabelsOnly(),
        ((BaseOutputLayer) baseline.getLayerWiseConfigurations().getConf(1).getLayer())
            .getLossFn());
    assertEquals(784 * 16 + 16 + 16 * 10 + 10, baseline.numParams());
    assertTrue(
        Files.exists(dir.resolve("students/_records/tiny-baseline.json")), "the model is recorded");

    List<TrainedStudent> again =
        StudentSweep.of(spark)
            .specs(specs)
            .trainingData(spark.read().parquet(soft), soft)
            .shape(784, 10)
            .settings(settings)
            .output(out)
            .execute();
    assertTrue(
        again.stream().noneMatch(TrainedStudent::trainedNow), "same inputs: nothing retrained");
    assertEquals(first.get(0).history(), again.get(0).history());

    List<TrainedStudent> changed =
        StudentSweep.of(spark)
            .specs(specs)
            .trainingData(spark.read().parquet(soft), soft)
            .shape(784, 10)
            .settings(settings.toBuilder().seed(7).build())
            .output(out)
            .execute();
    assertTrue(changed.stream().allMatch(TrainedStudent::trainedNow), "a changed seed retrains");
    assertFalse(changed.get(0).history().equals(first.get(0).history()));
  }
}
