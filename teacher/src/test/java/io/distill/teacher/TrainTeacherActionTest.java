package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.dataset.ValidationSplit;
import io.distill.trainer.TrainingSettings;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class TrainTeacherActionTest {
  @TempDir Path dir;

  @Test
  void trainsSavesAndReloadsATeacherWhoseSidecarMatchesItsOutputs() {
    SparkSession spark = LocalSpark.session();
    Dataset<Row> train = EmbeddedMnist.train();
    ValidationSplit split = ValidationSplit.compute(train, "slice/train", 500, 1);
    String model = dir.resolve("teacher.zip").toString();
    TrainTeacherAction.Result result =
        TrainTeacherAction.of(spark)
            .network(
                TeacherNetworks.mlp(784, new int[] {64}, 10, 1.0, 1.0, null, new Adam(2e-3), 3))
            .trainingData(split.training(train), "slice/train (fit)")
            .validationData(split.validation(train), "slice/train (validation)")
            .output(model)
            .settings(
                TrainingSettings.builder()
                    .epochs(2)
                    .workers(2)
                    .batchSizePerWorker(32)
                    .averagingPeriod(4)
                    .build())
            .execute();
    assertEquals(2, result.training().history().size());

    TeacherModel teacher =
        TeacherModelFile.load(model, spark.sparkContext().hadoopConfiguration(), 784, 10);
    TeacherInfo info = teacher.info().orElseThrow();
    assertEquals(result.info(), info);
    assertEquals("784-64-10", info.configuration());
    assertEquals(500, info.validationExamples());
    assertEquals(result.training().keptEpoch(), info.epochs());
    assertEquals(784 * 64 + 64 + 64 * 10 + 10, info.parameterCount());

    // The sidecar's validation errors are what the reloaded teacher gets wrong on the validation
    // rows, counted here.
    List<Row> test = split.validation(train).orderBy("id").collectAsList();
    float[][] x = new float[test.size()][];
    for (int i = 0; i < x.length; i++) {
      List<Float> f = test.get(i).getList(1);
      x[i] = new float[f.size()];
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] = f.get(j);
      }
    }
    INDArray features = Nd4j.create(x);
    INDArray logits = teacher.logits(features);
    long errors = 0;
    for (int i = 0; i < x.length; i++) {
      if (logits.getRow(i).argMax().getInt(0) != test.get(i).getInt(2)) {
        errors++;
      }
    }
    assertEquals(info.validationErrors(), errors);
    assertTrue(info.validationAccuracy() > 0.85, "accuracy " + info.validationAccuracy());
    assertArrayEquals(
        result.training().network().output(features, false).ravel().toFloatVector(),
        logits.ravel().toFloatVector(),
        "the reloaded teacher's logits are the trained network's outputs");
  }
}
