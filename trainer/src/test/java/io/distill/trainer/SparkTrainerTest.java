package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.losses.DistillationLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

class SparkTrainerTest {
  private final SparkSession spark = LocalSpark.session();

  @TempDir Path dir;

  /**
   * Two workers averaging every 5 minibatches reach > 90 % on the 1,000 test images after 5 epochs
   * over the 5,000-image slice, and come within 2 points of the same network fitted locally (one
   * JVM, same minibatch size, same epochs) — measured here, in the test, rather than assumed. A
   * linear model gets about 85-88 % on this slice, so 90 % says the hidden layer is being learned
   * through the averaging.
   */
  @Test
  void twoWorkersWithAveragingConverge() {
    MultiLayerConfiguration conf =
        Networks.mlp(100, new Adam(2e-3), DistillationLoss.hardLabelsOnly(), 7);
    TrainingResult result =
        SparkTrainer.of(spark)
            .name("converge")
            .network(conf)
            .trainingData(EmbeddedMnist.train(), "mnist-slice/train")
            .validationData(EmbeddedMnist.test(), "mnist-slice/test")
            .settings(
                TrainingSettings.builder()
                    .epochs(5)
                    .workers(2)
                    .batchSizePerWorker(32)
                    .averagingPeriod(5)
                    .build())
            .execute();
    List<EpochStats> h = result.history();
    assertEquals(5, h.size());
    double accuracy = h.get(4).validationAccuracy();
    assertTrue(accuracy > 0.90, "validation accuracy " + h.get(4));
    assertTrue(h.get(4).trainLoss() < h.get(0).trainLoss(), "loss did not decrease: " + h);
    assertTrue(
        h.get(4).validationLoss() < h.get(0).validationLoss(),
        "validation loss did not decrease: " + h);
    assertEquals(5000, h.get(0).examples());
    assertEquals(784 * 100 + 100 + 100 * 10 + 10, result.parameterCount());

    MultiLayerNetwork local = new MultiLayerNetwork(conf.clone());
    local.init();
    List<DataSet> batches = Minibatches.inIdOrder(EmbeddedMnist.train(), 10, 32);
    for (int epoch = 0; epoch < 5; epoch++) {
      Collections.shuffle(batches, new Random(epoch));
      for (DataSet b : batches) {
        local.fit(b);
      }
    }
    DataSet test = Minibatches.inIdOrder(EmbeddedMnist.test(), 10, 1000).get(0);
    double localAccuracy = accuracy(local.output(test.getFeatures(), false), test.getLabels());
    assertTrue(
        accuracy >= localAccuracy - 0.02,
        "distributed "
            + accuracy
            + " is more than 2 points below the local fit's "
            + localAccuracy);
    assertEquals(
        accuracy,
        accuracy(result.network().output(test.getFeatures(), false), test.getLabels()),
        1e-9,
        "the trainer's validation accuracy equals the returned network's accuracy on the driver");
  }

  /**
   * A warm start begins where the earlier model ended: one epoch at a learning rate of 1e-12 from a
   * trained model's parameters keeps them (and its validation accuracy), while the same epoch from
   * the configuration's initialisation stays near chance; parameters of another length are refused
   * naming both lengths.
   */
  @Test
  void aWarmStartContinuesFromTheGivenParameters() {
    TrainingSettings one = TrainingSettings.builder().epochs(1).workers(2).build();
    TrainingResult trained =
        SparkTrainer.of(spark)
            .name("earlier")
            .network(Networks.mlp(30, new Adam(2e-3), DistillationLoss.hardLabelsOnly(), 7))
            .trainingData(EmbeddedMnist.train(), "mnist-slice/train")
            .validationData(EmbeddedMnist.test(), "mnist-slice/test")
            .settings(TrainingSettings.builder().epochs(3).workers(2).build())
            .execute();
    MultiLayerConfiguration still =
        Networks.mlp(30, new Adam(1e-12), DistillationLoss.hardLabelsOnly(), 7);
    TrainingResult warm =
        SparkTrainer.of(spark)
            .name("warm")
            .network(still)
            .trainingData(EmbeddedMnist.train(), "mnist-slice/train")
            .validationData(EmbeddedMnist.test(), "mnist-slice/test")
            .settings(one)
            .initialParameters(trained.network().params())
            .execute();
    TrainingResult cold =
        SparkTrainer.of(spark)
            .name("cold")
            .network(still)
            .trainingData(EmbeddedMnist.train(), "mnist-slice/train")
            .validationData(EmbeddedMnist.test(), "mnist-slice/test")
            .settings(one)
            .execute();
    double trainedAccuracy = trained.history().get(2).validationAccuracy();
    assertTrue(trainedAccuracy > 0.85, "trained: " + trainedAccuracy);
    assertEquals(trainedAccuracy, warm.history().get(0).validationAccuracy(), 0.002);
    assertTrue(
        warm.network().params().equalsWithEps(trained.network().params(), 1e-6),
        "the warm start moved the parameters");
    assertTrue(cold.history().get(0).validationAccuracy() < 0.5, "cold: " + cold.history());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SparkTrainer.of(spark)
                    .name("mismatch")
                    .network(still)
                    .trainingData(EmbeddedMnist.train(), "mnist-slice/train")
                    .settings(one)
                    .initialParameters(Nd4j.zeros(DataType.FLOAT, 1, 5))
                    .execute());
    assertTrue(e.getMessage().contains("the warm start has 5 parameters"), e.getMessage());
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

  @Test
  void oneWorkerAveragingEveryStepEqualsALocalFit() {
    assertEquivalentToLocalFit(1);
  }

  @Test
  void oneWorkerAveragingOncePerEpochEqualsALocalFit() {
    assertEquivalentToLocalFit(TrainingSettings.ONCE_PER_EPOCH);
  }

  /**
   * A floor of 20 steps per epoch on 640 rows: the configured minibatch of 64 gives 10, so the
   * worker takes minibatches of 32, exactly a local fit at 32; a floor the data already meets
   * changes nothing.
   */
  @Test
  void aFloorOnStepsPerEpochLowersTheMinibatchOfSmallDataOnly() {
    assertEquivalentToLocalFit(1, 20, 32);
    TrainingSettings floor = TrainingSettings.builder().minStepsPerEpoch(20).build();
    assertEquals(64, floor.batchSizeFor(1280), "20 steps of 64: as configured");
    assertEquals(63, floor.batchSizeFor(1279));
    assertEquals(1, floor.batchSizeFor(7), "never below one row");
    assertEquals(64, TrainingSettings.builder().build().batchSizeFor(7), "no floor by default");
  }

  /**
   * Nesterov momentum makes the updater state matter: if the trainer dropped it between rounds, the
   * parameters would differ from the local fit's, which carries it.
   */
  private void assertEquivalentToLocalFit(int averagingPeriod) {
    assertEquivalentToLocalFit(averagingPeriod, 0, 64);
  }

  private void assertEquivalentToLocalFit(int averagingPeriod, int minSteps, int localBatch) {
    Dataset<Row> data = EmbeddedMnist.train().where("id < 640");
    MultiLayerConfiguration conf =
        Networks.mlp(32, new Nesterovs(0.05, 0.9), DistillationLoss.hardLabelsOnly(), 3);
    TrainingResult result =
        SparkTrainer.of(spark)
            .name("equivalence")
            .network(conf)
            .trainingData(data)
            .settings(
                TrainingSettings.builder()
                    .epochs(2)
                    .workers(1)
                    .batchSizePerWorker(64)
                    .averagingPeriod(averagingPeriod)
                    .minStepsPerEpoch(minSteps)
                    .shuffle(false)
                    .threadsPerTask(1)
                    .build())
            .execute();

    MultiLayerNetwork local = new MultiLayerNetwork(conf.clone());
    local.init();
    List<DataSet> batches = Minibatches.inIdOrder(data, 10, localBatch);
    for (int epoch = 0; epoch < 2; epoch++) {
      for (DataSet b : batches) {
        local.fit(b);
      }
    }
    assertClose(local.params(), result.network().params(), 1e-5, "parameters");
    assertClose(
        local.getUpdater().getStateViewArray(),
        result.network().getUpdater().getStateViewArray(),
        1e-5,
        "updater state");
  }

  /**
   * One worker whose data spans many blocks (1 MB each), averaging every 3 minibatches (rounds that
   * cross blocks): exactly a local fit over the blocks' minibatches in order, so nothing is lost or
   * repeated between rounds.
   */
  @Test
  void oneWorkerOverManyBlocksEqualsALocalFit() {
    Dataset<Row> data = EmbeddedMnist.train().where("id < 1500");
    MultiLayerConfiguration conf =
        Networks.mlp(16, new Nesterovs(0.05, 0.9), DistillationLoss.hardLabelsOnly(), 3);
    try (TrainingData packed =
        TrainingData.pack(spark)
            .rows(data, "many-blocks")
            .features(784)
            .classes(10)
            .workers(1)
            .blockBytes(1 << 20)
            .execute()) {
      assertTrue(packed.blocks() >= 4, "blocks: " + packed.blocks());
      TrainingResult result =
          SparkTrainer.of(spark)
              .name("blocks")
              .network(conf)
              .trainingData(packed)
              .settings(
                  TrainingSettings.builder()
                      .epochs(2)
                      .batchSizePerWorker(100)
                      .averagingPeriod(3)
                      .shuffle(false)
                      .threadsPerTask(1)
                      .build())
              .execute();
      MultiLayerNetwork local = new MultiLayerNetwork(conf.clone());
      local.init();
      List<DataSet> batches =
          Minibatches.ofBlocks(new ArrayList<>(packed.rdd().collect()), LabelLayout.of(conf), 100);
      for (int epoch = 0; epoch < 2; epoch++) {
        for (DataSet b : batches) {
          local.fit(b);
        }
      }
      assertClose(local.params(), result.network().params(), 1e-5, "parameters");
    }
  }

  /**
   * Two workers, one minibatch each, one round: the trainer's parameters and updater state must be
   * the mean of two local fits, one on each shard — the updater state is averaged, not taken from
   * one worker or reset.
   */
  @Test
  void updaterStateIsAveragedAcrossWorkers() {
    Dataset<Row> data = EmbeddedMnist.train().where("id < 200");
    MultiLayerConfiguration conf =
        Networks.mlp(16, new Adam(1e-2), DistillationLoss.hardLabelsOnly(), 5);
    TrainingResult result =
        SparkTrainer.of(spark)
            .name("averaging")
            .network(conf)
            .trainingData(data)
            .settings(
                TrainingSettings.builder()
                    .epochs(1)
                    .workers(2)
                    .batchSizePerWorker(200)
                    .averagingPeriod(1)
                    .shuffle(false)
                    .threadsPerTask(1)
                    .build())
            .execute();

    List<Block> both;
    try (TrainingData packed =
        TrainingData.pack(spark)
            .rows(data, "test")
            .features(784)
            .classes(10)
            .workers(2)
            .execute()) {
      both = packed.rdd().collect();
    }
    INDArray params = null;
    INDArray state = null;
    for (Block block : both) {
      MultiLayerNetwork local = new MultiLayerNetwork(conf.clone());
      local.init();
      local.fit(
          WorkerTasks.minibatch(
              block, block.order(0, false), 0, block.rows, LabelLayout.of(conf), null, null));
      params = params == null ? local.params().dup() : params.addi(local.params());
      state =
          state == null
              ? local.getUpdater().getStateViewArray().dup()
              : state.addi(local.getUpdater().getStateViewArray());
    }
    assertEquals(2, both.size());
    assertTrue(both.get(0).rows > 0 && both.get(1).rows > 0);
    assertEquals(200, both.get(0).rows + both.get(1).rows);
    assertClose(params.divi(2), result.network().params(), 1e-5, "parameters");
    assertClose(
        state.divi(2), result.network().getUpdater().getStateViewArray(), 1e-5, "updater state");
    assertTrue(
        result.network().getUpdater().getStateViewArray().amaxNumber().doubleValue() > 0,
        "Adam moments are non-zero after a step");
  }

  @Test
  void checkpointsEveryEpochAndResumes() {
    String checkpoints = dir.resolve("checkpoints").toString();
    MultiLayerConfiguration conf =
        Networks.mlp(32, new Adam(1e-3), DistillationLoss.hardLabelsOnly(), 11);
    Dataset<Row> data = EmbeddedMnist.train().where("id < 1000");
    TrainingSettings.Builder settings =
        TrainingSettings.builder()
            .workers(2)
            .batchSizePerWorker(50)
            .averagingPeriod(4)
            .checkpointDir(checkpoints);
    TrainingResult two =
        SparkTrainer.of(spark)
            .name("checkpointed")
            .network(conf)
            .trainingData(data)
            .validationData(EmbeddedMnist.test())
            .settings(settings.epochs(2).build())
            .execute();

    TrainingCheckpoint checkpoint =
        TrainingCheckpoint.latest(checkpoints, spark.sparkContext().hadoopConfiguration())
            .orElseThrow();
    assertEquals(2, checkpoint.epoch());
    assertEquals(two.history(), checkpoint.history());
    assertArrayEquals(
        two.network().params().toFloatVector(), checkpoint.network().params().toFloatVector());
    assertArrayEquals(
        two.network().getUpdater().getStateViewArray().toFloatVector(),
        checkpoint.network().getUpdater().getStateViewArray().toFloatVector());
    assertEquals(2, checkpoint.network().getLayerWiseConfigurations().getEpochCount());

    TrainingResult three =
        SparkTrainer.of(spark)
            .name("checkpointed")
            .network(conf)
            .trainingData(data)
            .validationData(EmbeddedMnist.test())
            .settings(settings.epochs(3).build())
            .resume(true)
            .execute();
    assertEquals(3, three.history().size());
    assertEquals(
        two.history(),
        three.history().subList(0, 2)); // seconds included: epochs 1-2 were not redone
    assertEquals(
        3,
        TrainingCheckpoint.latest(checkpoints, spark.sparkContext().hadoopConfiguration())
            .orElseThrow()
            .epoch());

    // The resumed run is the unbroken run: the same 3 epochs without a stop end in the same
    // parameters, bit for bit.
    TrainingResult unbroken =
        SparkTrainer.of(spark)
            .name("unbroken")
            .network(conf)
            .trainingData(data)
            .validationData(EmbeddedMnist.test())
            .settings(settings.epochs(3).checkpointDir(null).build())
            .execute();
    assertEquals(
        unbroken.history().stream().map(EpochStats::validationAccuracy).toList(),
        three.history().stream().map(EpochStats::validationAccuracy).toList());
    assertArrayEquals(
        unbroken.network().params().toFloatVector(),
        three.network().params().toFloatVector(),
        "resumed vs unbroken parameters");
  }

  /**
   * SGD at 0.1 for two epochs, then at 50 (the network blows up, which the divergence check, off
   * here, would stop): validation accuracy falls after epoch 2, patience 2 stops after epoch 4, and
   * the network returned is epoch 2's, not the last one's.
   */
  @Test
  void earlyStoppingKeepsTheBestEpoch() {
    ISchedule lr =
        new MapSchedule.Builder(ScheduleType.EPOCH).add(0, 0.1).add(1, 0.1).add(2, 50.0).build();
    Dataset<Row> validation = EmbeddedMnist.test();
    TrainingResult result =
        SparkTrainer.of(spark)
            .name("early")
            .network(Networks.mlp(16, new Sgd(lr), DistillationLoss.hardLabelsOnly(), 1))
            .trainingData(EmbeddedMnist.train().where("id < 2000"))
            .validationData(validation)
            .settings(
                TrainingSettings.builder()
                    .epochs(10)
                    .workers(2)
                    .earlyStoppingPatience(2)
                    .maxLossGrowth(0) // it blows up on purpose: no divergence check here
                    .build())
            .execute();
    assertTrue(result.stoppedEarly());
    assertEquals(4, result.history().size());
    int best = 0;
    for (int i = 1; i < result.history().size(); i++) {
      best =
          result.history().get(i).validationAccuracy()
                  > result.history().get(best).validationAccuracy()
              ? i
              : best;
    }
    assertEquals(result.history().get(best).epoch(), result.keptEpoch());
    assertTrue(result.keptEpoch() <= 2, result.history().toString());
    DataSet test = Minibatches.inIdOrder(validation, 10, 1000).get(0);
    double kept = accuracy(result.network().output(test.getFeatures(), false), test.getLabels());
    assertEquals(
        result.history().get(best).validationAccuracy(),
        kept,
        1e-9,
        "the kept network is the best epoch's");
    assertTrue(
        kept > result.lastEpoch().validationAccuracy() + 0.2,
        "the last epoch is much worse: " + result.history());
  }

  @Test
  void aBadRowIsNamed() {
    Dataset<Row> data =
        EmbeddedMnist.train()
            .where("id < 50")
            .selectExpr(
                "id",
                "CASE WHEN id = 17 THEN slice(features, 1, 700) ELSE features END AS features",
                "label");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SparkTrainer.of(spark)
                    .name("bad")
                    .network(Networks.mlp(8, new Adam(1e-3), DistillationLoss.hardLabelsOnly(), 1))
                    .trainingData(data, "bad-data")
                    .settings(TrainingSettings.builder().epochs(1).workers(2).build())
                    .execute());
    assertEquals(
        "Dataset bad-data, row id=17: features has 700 values, expected 784", e.getMessage());
  }

  /**
   * A "teacher" whose logits are 6 × one-hot(label): with α = 0 the student sees no hard label at
   * all, so reaching > 85 % means it learned from the teacher's logits, which the loss softens at
   * its own T.
   */
  @Test
  void distillsFromATeacherLogitsColumnAtTheLossTemperature() {
    Dataset<Row> withLogits =
        EmbeddedMnist.train()
            .selectExpr(
                "id",
                "features",
                "label",
                "transform(sequence(0, 9), k -> CAST(IF(k = label, 6.0, 0.0) AS FLOAT)) AS teacher_logits");
    MultiLayerConfiguration conf =
        Networks.mlp(64, new Adam(2e-3), new DistillationLoss(0.0, 3.0), 9);

    LabelLayout layout = LabelLayout.of(conf);
    List<Block> blocks;
    try (TrainingData packed =
        TrainingData.pack(spark)
            .rows(withLogits.where("id < 10"), "logits")
            .teacher(TeacherSignal.logits("teacher_logits"))
            .features(784)
            .classes(10)
            .execute()) {
      blocks = packed.rdd().collect();
    }
    DataSet batch = Minibatches.ofBlocks(new ArrayList<>(blocks), layout, 10).get(0);
    float[][] labels = batch.getLabels().toFloatMatrix();
    for (int row = 0; row < labels.length; row++) {
      int label = blocks.get(0).labels[row];
      for (int k = 0; k < 10; k++) {
        assertEquals(
            k == label ? 1f : 0f, labels[row][k], "hard label, row " + row + " class " + k);
        assertEquals(
            k == label ? 6f : 0f, labels[row][10 + k], "teacher logit, row " + row + " class " + k);
      }
    }

    TrainingResult result =
        SparkTrainer.of(spark)
            .name("from-logits")
            .network(conf)
            .trainingData(withLogits)
            .teacherLogitsColumn("teacher_logits")
            .validationData(
                EmbeddedMnist.test()
                    .selectExpr(
                        "id",
                        "features",
                        "label",
                        "transform(sequence(0, 9), k -> CAST(IF(k = label, 6.0, 0.0) AS FLOAT)) AS teacher_logits"))
            .settings(
                TrainingSettings.builder()
                    .epochs(3)
                    .workers(2)
                    .batchSizePerWorker(32)
                    .averagingPeriod(5)
                    .build())
            .execute();
    assertTrue(result.lastEpoch().validationAccuracy() > 0.85, result.lastEpoch().toString());
  }

  @Test
  void distillationWithoutSoftLabelsIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SparkTrainer.of(spark)
                    .network(Networks.mlp(8, new Adam(1e-3), new DistillationLoss(0.5, 4), 1))
                    .trainingData(EmbeddedMnist.train())
                    .execute());
    assertTrue(e.getMessage().contains("needs the teacher's soft labels"), e.getMessage());
  }

  private static void assertClose(
      INDArray expected, INDArray actual, double tolerance, String what) {
    float[] e = expected.toFloatVector();
    float[] a = actual.toFloatVector();
    assertEquals(e.length, a.length, what + " length");
    double worst = 0;
    int at = -1;
    for (int i = 0; i < e.length; i++) {
      double diff =
          Math.abs(e[i] - a[i]) / Math.max(1e-3, Math.max(Math.abs(e[i]), Math.abs(a[i])));
      if (diff > worst) {
        worst = diff;
        at = i;
      }
    }
    assertTrue(
        worst <= tolerance,
        what
            + " differ: worst relative difference "
            + worst
            + " at "
            + at
            + (at >= 0 ? " (" + e[at] + " vs " + a[at] + ")" : ""));
  }
}
