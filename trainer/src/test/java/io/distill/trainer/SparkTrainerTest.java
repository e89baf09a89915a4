package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.dataset.EmbeddedMnist;
import io.distill.dataset.LocalSpark;
import io.distill.losses.DistillationLoss;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;

class SparkTrainerTest {
  private final SparkSession spark = LocalSpark.session();

  @TempDir Path dir;

  /**
   * Two workers averaging every 5 minibatches reach > 90 % on the 1,000 test images after 5 epochs over the
   * 5,000-image slice, and come within 2 points of the same network fitted locally (one JVM, same minibatch size,
   * same epochs) — measured here, in the test, rather than assumed. A linear model gets about 85-88 % on this
   * slice, so 90 % says the hidden layer is being learned through the averaging.
   */
  @Test
  void twoWorkersWithAveragingConverge() {
    MultiLayerConfiguration conf = Networks.mlp(100, new Adam(2e-3), DistillationLoss.hardLabelsOnly(), 7);
    TrainingResult result = SparkTrainer.of(spark)
        .name("converge")
        .network(conf)
        .trainingData(EmbeddedMnist.train(), "mnist-slice/train")
        .validationData(EmbeddedMnist.test(), "mnist-slice/test")
        .settings(TrainingSettings.builder().epochs(5).workers(2).batchSizePerWorker(32).averagingPeriod(5).build())
        .execute();
    List<EpochStats> h = result.history();
    assertEquals(5, h.size());
    double accuracy = h.get(4).validationAccuracy();
    assertTrue(accuracy > 0.90, "validation accuracy " + h.get(4));
    assertTrue(h.get(4).trainLoss() < h.get(0).trainLoss(), "loss did not decrease: " + h);
    assertTrue(h.get(4).validationLoss() < h.get(0).validationLoss(), "validation loss did not decrease: " + h);
    assertEquals(5000, h.get(0).examples());
    assertEquals(784 * 100 + 100 + 100 * 10 + 10, result.parameterCount());

    MultiLayerNetwork local = new MultiLayerNetwork(conf.clone());
    local.init();
    List<DataSet> batches = batchesInIdOrder(EmbeddedMnist.train(), conf, 32);
    for (int epoch = 0; epoch < 5; epoch++) {
      java.util.Collections.shuffle(batches, new java.util.Random(epoch));
      for (DataSet b : batches) {
        local.fit(b);
      }
    }
    DataSet test = batchesInIdOrder(EmbeddedMnist.test(), conf, 1000).get(0);
    double localAccuracy = accuracy(local.output(test.getFeatures(), false), test.getLabels());
    assertTrue(accuracy >= localAccuracy - 0.02,
        "distributed " + accuracy + " is more than 2 points below the local fit's " + localAccuracy);
    assertEquals(accuracy, accuracy(result.network().output(test.getFeatures(), false), test.getLabels()), 1e-9,
        "the trainer's validation accuracy equals the returned network's accuracy on the driver");
  }

  private static double accuracy(INDArray logits, INDArray labels) {
    float[][] out = logits.toFloatMatrix();
    float[][] y = labels.toFloatMatrix();
    int correct = 0;
    for (int i = 0; i < out.length; i++) {
      if (WorkerTasks.argmax(out[i], 0, 10) == WorkerTasks.argmax(y[i], 0, 10)) {
        correct++;
      }
    }
    return (double) correct / out.length;
  }

  /** Minibatches of a single shard in id order, as the trainer builds them with shuffle off. */
  private static List<DataSet> batchesInIdOrder(Dataset<Row> data, MultiLayerConfiguration conf, int batch) {
    Shard shard = TrainingShards.pack(data, "test", LabelLayout.of(conf, null), 1).collect().get(0);
    int[] order = shard.order(0, false);
    List<DataSet> batches = new java.util.ArrayList<>();
    for (int from = 0; from < shard.rows; from += batch) {
      batches.add(shard.batch(order, from, Math.min(from + batch, shard.rows)));
    }
    return batches;
  }

  @Test
  void oneWorkerAveragingEveryStepEqualsALocalFit() {
    assertEquivalentToLocalFit(1);
  }

  @Test
  void oneWorkerAveragingOncePerEpochEqualsALocalFit() {
    assertEquivalentToLocalFit(TrainingSettings.ONCE_PER_EPOCH);
  }

  /**
   * Nesterov momentum makes the updater state matter: if the trainer dropped it between rounds, the parameters
   * would differ from the local fit's, which carries it.
   */
  private void assertEquivalentToLocalFit(int averagingPeriod) {
    Dataset<Row> data = EmbeddedMnist.train().where("id < 640");
    MultiLayerConfiguration conf = Networks.mlp(32, new Nesterovs(0.05, 0.9), DistillationLoss.hardLabelsOnly(), 3);
    TrainingResult result = SparkTrainer.of(spark).name("equivalence").network(conf).trainingData(data)
        .settings(TrainingSettings.builder().epochs(2).workers(1).batchSizePerWorker(64)
            .averagingPeriod(averagingPeriod).shuffle(false).threadsPerTask(1).build())
        .execute();

    MultiLayerNetwork local = new MultiLayerNetwork(conf.clone());
    local.init();
    List<DataSet> batches = batchesInIdOrder(data, conf, 64);
    for (int epoch = 0; epoch < 2; epoch++) {
      for (DataSet b : batches) {
        local.fit(b);
      }
    }
    assertClose(local.params(), result.network().params(), 1e-5, "parameters");
    assertClose(local.getUpdater().getStateViewArray(), result.network().getUpdater().getStateViewArray(), 1e-5,
        "updater state");
  }

  /**
   * Two workers, one minibatch each, one round: the trainer's parameters and updater state must be the mean of
   * two local fits, one on each shard — the updater state is averaged, not taken from one worker or reset.
   */
  @Test
  void updaterStateIsAveragedAcrossWorkers() {
    Dataset<Row> data = EmbeddedMnist.train().where("id < 200");
    MultiLayerConfiguration conf = Networks.mlp(16, new Adam(1e-2), DistillationLoss.hardLabelsOnly(), 5);
    TrainingResult result = SparkTrainer.of(spark).name("averaging").network(conf).trainingData(data)
        .settings(TrainingSettings.builder().epochs(1).workers(2).batchSizePerWorker(200).averagingPeriod(1)
            .shuffle(false).threadsPerTask(1).build())
        .execute();

    JavaRDD<Shard> shards = TrainingShards.pack(data, "test", LabelLayout.of(conf, null), 2);
    List<Shard> both = shards.collect();
    INDArray params = null;
    INDArray state = null;
    for (Shard shard : both) {
      MultiLayerNetwork local = new MultiLayerNetwork(conf.clone());
      local.init();
      local.fit(shard.batch(shard.order(0, false), 0, shard.rows));
      params = params == null ? local.params().dup() : params.addi(local.params());
      state = state == null ? local.getUpdater().getStateViewArray().dup()
          : state.addi(local.getUpdater().getStateViewArray());
    }
    assertEquals(2, both.size());
    assertTrue(both.get(0).rows > 0 && both.get(1).rows > 0);
    assertClose(params.divi(2), result.network().params(), 1e-5, "parameters");
    assertClose(state.divi(2), result.network().getUpdater().getStateViewArray(), 1e-5, "updater state");
    assertTrue(result.network().getUpdater().getStateViewArray().amaxNumber().doubleValue() > 0,
        "Adam moments are non-zero after a step");
  }

  @Test
  void checkpointsEveryEpochAndResumes() {
    String checkpoints = dir.resolve("checkpoints").toString();
    MultiLayerConfiguration conf = Networks.mlp(32, new Adam(1e-3), DistillationLoss.hardLabelsOnly(), 11);
    Dataset<Row> data = EmbeddedMnist.train().where("id < 1000");
    TrainingSettings.Builder settings = TrainingSettings.builder().workers(2).batchSizePerWorker(50)
        .averagingPeriod(4).checkpointDir(checkpoints);
    TrainingResult two = SparkTrainer.of(spark).name("checkpointed").network(conf).trainingData(data)
        .validationData(EmbeddedMnist.test())
        .settings(settings.epochs(2).build()).execute();

    TrainingCheckpoint checkpoint = TrainingCheckpoint.latest(checkpoints,
        spark.sparkContext().hadoopConfiguration()).orElseThrow();
    assertEquals(2, checkpoint.epoch());
    assertEquals(two.history(), checkpoint.history());
    assertArrayEquals(two.network().params().toFloatVector(), checkpoint.network().params().toFloatVector());
    assertArrayEquals(two.network().getUpdater().getStateViewArray().toFloatVector(),
        checkpoint.network().getUpdater().getStateViewArray().toFloatVector());
    assertEquals(2, checkpoint.network().getLayerWiseConfigurations().getEpochCount());

    TrainingResult three = SparkTrainer.of(spark).name("checkpointed").network(conf).trainingData(data)
        .validationData(EmbeddedMnist.test())
        .settings(settings.epochs(3).build()).resume(true).execute();
    assertEquals(3, three.history().size());
    assertEquals(two.history(), three.history().subList(0, 2));
    assertEquals(3, TrainingCheckpoint.latest(checkpoints, spark.sparkContext().hadoopConfiguration())
        .orElseThrow().epoch());
  }

  /** With a learning rate of 0 the accuracy never improves after epoch 1: patience 2 stops after epoch 3. */
  @Test
  void earlyStoppingKeepsTheBestEpoch() {
    TrainingResult result = SparkTrainer.of(spark).name("early")
        .network(Networks.mlp(8, new org.nd4j.linalg.learning.config.Sgd(0.0), DistillationLoss.hardLabelsOnly(), 1))
        .trainingData(EmbeddedMnist.train().where("id < 500")).validationData(EmbeddedMnist.test())
        .settings(TrainingSettings.builder().epochs(10).workers(2).earlyStoppingPatience(2).build())
        .execute();
    assertTrue(result.stoppedEarly());
    assertEquals(3, result.history().size());
    assertEquals(1, result.keptEpoch());
  }

  @Test
  void aBadRowIsNamed() {
    Dataset<Row> data = EmbeddedMnist.train().where("id < 50")
        .selectExpr("id", "CASE WHEN id = 17 THEN slice(features, 1, 700) ELSE features END AS features", "label");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkTrainer.of(spark)
        .name("bad").network(Networks.mlp(8, new Adam(1e-3), DistillationLoss.hardLabelsOnly(), 1))
        .trainingData(data, "bad-data").settings(TrainingSettings.builder().epochs(1).workers(2).build())
        .execute());
    assertEquals("Dataset bad-data, row id=17: features has 700 values, expected 784", e.getMessage());
  }

  /**
   * A "teacher" whose logits are 6 × one-hot(label): with α = 0 the student sees no hard label at all, so reaching
   * > 85 % means it learned from the soft labels the trainer derived from the logits at the loss's T.
   */
  @Test
  void distillsFromATeacherLogitsColumnAtTheLossTemperature() {
    Dataset<Row> withLogits = EmbeddedMnist.train()
        .selectExpr("id", "features", "label",
            "transform(sequence(0, 9), k -> CAST(IF(k = label, 6.0, 0.0) AS FLOAT)) AS teacher_logits");
    MultiLayerConfiguration conf = Networks.mlp(64, new Adam(2e-3), new DistillationLoss(0.0, 3.0), 9);

    Shard shard = TrainingShards.pack(withLogits.where("id < 10"), "logits", LabelLayout.of(conf, "teacher_logits",
        true), 1).collect().get(0);
    double off = 1 / (9 + Math.exp(6.0 / 3.0));
    double on = Math.exp(6.0 / 3.0) * off;
    for (int row = 0; row < shard.rows; row++) {
      for (int k = 0; k < 10; k++) {
        double expected = k == shard.classes[row] ? on : off;
        assertEquals(expected, shard.labels[row * 20 + 10 + k], 1e-6, "row " + row + " class " + k);
        assertEquals(k == shard.classes[row] ? 1f : 0f, shard.labels[row * 20 + k]);
      }
    }

    TrainingResult result = SparkTrainer.of(spark).name("from-logits").network(conf)
        .trainingData(withLogits).teacherLogitsColumn("teacher_logits")
        .validationData(EmbeddedMnist.test().selectExpr("id", "features", "label",
            "transform(sequence(0, 9), k -> CAST(IF(k = label, 6.0, 0.0) AS FLOAT)) AS teacher_logits"))
        .settings(TrainingSettings.builder().epochs(3).workers(2).batchSizePerWorker(32).averagingPeriod(5).build())
        .execute();
    assertTrue(result.lastEpoch().validationAccuracy() > 0.85, result.lastEpoch().toString());
  }

  @Test
  void distillationWithoutSoftLabelsIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkTrainer.of(spark).network(Networks.mlp(8, new Adam(1e-3), new DistillationLoss(0.5, 4), 1))
            .trainingData(EmbeddedMnist.train()).execute());
    assertTrue(e.getMessage().contains("needs the teacher's soft labels"), e.getMessage());
  }

  private static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
    float[] e = expected.toFloatVector();
    float[] a = actual.toFloatVector();
    assertEquals(e.length, a.length, what + " length");
    double worst = 0;
    int at = -1;
    for (int i = 0; i < e.length; i++) {
      double diff = Math.abs(e[i] - a[i]) / Math.max(1e-3, Math.max(Math.abs(e[i]), Math.abs(a[i])));
      if (diff > worst) {
        worst = diff;
        at = i;
      }
    }
    assertTrue(worst <= tolerance, what + " differ: worst relative difference " + worst + " at " + at
        + (at >= 0 ? " (" + e[at] + " vs " + a[at] + ")" : ""));
  }
}
