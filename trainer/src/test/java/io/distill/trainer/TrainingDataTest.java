package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.losses.DistillationLabels;
import io.distill.losses.DistillationLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrainingDataTest {
  private final SparkSession spark = LocalSpark.session();

  /**
   * 5,000 rows of 784 features (3,148 bytes a row) with 1 MB blocks: at least 15 blocks, none above
   * the bound, every row exactly once with its own features and label, ids ascending inside each
   * block, dealt to 2 workers.
   */
  @Test
  void packsEveryRowOnceIntoBoundedBlocks() {
    Dataset<Row> train = EmbeddedMnist.train();
    List<Block> blocks;
    long[] workerRows;
    try (TrainingData data =
        TrainingData.pack(spark)
            .rows(train, "slice")
            .features(784)
            .classes(10)
            .workers(2)
            .blockBytes(1 << 20)
            .execute()) {
      blocks = data.rdd().collect();
      workerRows = data.workerRows();
      assertEquals(5000, data.rows());
      assertEquals(blocks.size(), data.blocks());
    }
    assertTrue(blocks.size() >= 15 && blocks.size() % 2 == 0, "blocks: " + blocks.size());
    assertEquals(5000, workerRows[0] + workerRows[1]);
    assertTrue(
        Math.abs(workerRows[0] - workerRows[1]) < 500,
        "workers get about half each: " + workerRows[0]);
    Map<Long, Row> byId = new HashMap<>();
    for (Row r : train.collectAsList()) {
      byId.put(r.getLong(0), r);
    }
    long seen = 0;
    for (Block b : blocks) {
      assertTrue(
          Block.rowBytes(784, 10, TeacherSignal.Kind.NONE, 0) * b.rows <= 1.2 * (1 << 20),
          "block " + b.index + " holds " + b.rows + " rows");
      for (int i = 0; i < b.rows; i++) {
        Row r = byId.remove(b.ids[i]);
        assertTrue(r != null, "id " + b.ids[i] + " twice or unknown");
        assertEquals(r.getInt(2), b.labels[i]);
        float[] x = new float[784];
        b.features(i, x, 0);
        List<Float> expected = r.getList(1);
        for (int j = 0; j < 784; j += 97) {
          assertEquals(expected.get(j), x[j]);
        }
        if (i > 0) {
          assertTrue(b.ids[i - 1] < b.ids[i], "ids ascend within a block");
        }
        seen++;
      }
    }
    assertEquals(5000, seen);
    assertTrue(byId.isEmpty());
  }

  /**
   * Soft labels in a separate dataset (no features) are joined by id; a row without them is named.
   */
  @Test
  void joinsSoftLabelsByIdAndNamesARowWithout() {
    Dataset<Row> rows = EmbeddedMnist.train().where("id < 300");
    Dataset<Row> soft =
        rows.selectExpr(
            "id",
            "transform(sequence(0, 9), k -> CAST(IF(k = label, 4.0 + id, 0.0) AS FLOAT)) AS teacher_logits");
    List<Block> blocks;
    try (TrainingData data =
        TrainingData.pack(spark)
            .rows(rows, "rows")
            .softLabels(soft, "soft")
            .teacher(TeacherSignal.logits("teacher_logits"))
            .features(784)
            .classes(10)
            .workers(2)
            .execute()) {
      blocks = data.rdd().collect();
    }
    float[] z = new float[10];
    for (Block b : blocks) {
      for (int i = 0; i < b.rows; i++) {
        b.teacherLogits(i, z, 0);
        assertEquals(4f + b.ids[i], z[b.labels[i]], "row " + b.ids[i]);
      }
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingData.pack(spark)
                    .rows(rows, "rows")
                    .softLabels(soft.where("id <> 17"), "soft")
                    .teacher(TeacherSignal.logits("teacher_logits"))
                    .features(784)
                    .classes(10)
                    .execute());
    assertEquals(
        "Dataset rows, row id=17: no soft labels (teacher_logits is missing or null in soft)",
        e.getMessage());
    IllegalArgumentException twice =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingData.pack(spark)
                    .rows(rows, "rows")
                    .softLabels(soft.union(soft.where("id = 5")), "soft")
                    .teacher(TeacherSignal.logits("teacher_logits"))
                    .features(784)
                    .classes(10)
                    .execute());
    assertTrue(
        twice.getMessage().contains("the soft labels hold an id more than once"),
        twice.getMessage());
  }

  /**
   * Top-k probabilities come back as pseudo-logits: at their own T0 they give the kept
   * probabilities exactly and share the rest evenly; with k = K they give the full distribution at
   * any T.
   */
  @Test
  void topKBecomesPseudoLogits() {
    float[] full = {2f, -1f, 0.5f, 3f};
    double t0 = 2.0;
    float[] p = DistillationLabels.softmax(full, t0);
    int[] order = {3, 0, 2, 1};
    float[] top = new float[4];
    for (int j = 0; j < 4; j++) {
      top[j] = p[order[j]];
    }
    float[] z = new float[4];
    TeacherSignal.pseudoLogits(order, top, 0, 2, 4, t0, z, 0);
    float[] back = DistillationLabels.softmax(z, t0);
    assertEquals(p[3], back[3], 1e-6);
    assertEquals(p[0], back[0], 1e-6);
    float rest = (1 - p[3] - p[0]) / 2;
    assertEquals(rest, back[1], 1e-6);
    assertEquals(rest, back[2], 1e-6);
    TeacherSignal.pseudoLogits(order, top, 0, 4, 4, t0, z, 0);
    for (double t : new double[] {1, 2, 5}) {
      assertArrayEquals(
          DistillationLabels.softmax(full, t), DistillationLabels.softmax(z, t), 1e-6f, "T=" + t);
    }
  }

  /**
   * The loss the trainer computes from top-K pseudo-logits (k = K) equals, in score and gradient,
   * the loss from the full logits, at the soft labels' own temperature and at others.
   */
  @Test
  void topKWithKEqualToClassesGivesTheFullLogitsLoss() {
    Random random = new Random(5);
    int rows = 6;
    int classes = 10;
    double t0 = 3.0;
    float[] logits = new float[rows * classes];
    float[] pseudo = new float[rows * classes];
    float[] oneHot = new float[rows * classes];
    for (int i = 0; i < rows; i++) {
      float[] z = new float[classes];
      for (int j = 0; j < classes; j++) {
        z[j] = (float) (3 * random.nextGaussian());
      }
      System.arraycopy(z, 0, logits, i * classes, classes);
      float[] p = DistillationLabels.softmax(z, t0);
      Integer[] order = new Integer[classes];
      for (int j = 0; j < classes; j++) {
        order[j] = j;
      }
      Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
      int[] indices = new int[classes];
      float[] top = new float[classes];
      for (int j = 0; j < classes; j++) {
        indices[j] = order[j];
        top[j] = p[order[j]];
      }
      TeacherSignal.pseudoLogits(indices, top, 0, classes, classes, t0, pseudo, i * classes);
      oneHot[i * classes + random.nextInt(classes)] = 1;
    }
    Nd4j.getRandom().setSeed(5);
    INDArray preOutput = Nd4j.randn(DataType.FLOAT, rows, classes).muli(2);
    ActivationIdentity identity = new ActivationIdentity();
    for (double t : new double[] {1, t0, 20}) {
      DistillationLoss loss = DistillationLoss.of(0.3, t);
      INDArray fromLogits = labels(oneHot, logits, rows, classes);
      INDArray fromTopK = labels(oneHot, pseudo, rows, classes);
      assertEquals(
          loss.computeScore(fromLogits, preOutput, identity, null, true),
          loss.computeScore(fromTopK, preOutput, identity, null, true),
          1e-5,
          "T=" + t);
      assertArrayEquals(
          loss.computeGradient(fromLogits, preOutput, identity, null).data().asFloat(),
          loss.computeGradient(fromTopK, preOutput, identity, null).data().asFloat(),
          1e-5f,
          "T=" + t);
    }
  }

  private static INDArray labels(float[] oneHot, float[] teacher, int rows, int classes) {
    return Nd4j.hstack(
        Nd4j.create(oneHot, new long[] {rows, classes}, 'c'),
        Nd4j.create(teacher, new long[] {rows, classes}, 'c'));
  }

  @Test
  void topKColumnsArePackedAndChecked() {
    Dataset<Row> rows =
        EmbeddedMnist.train()
            .where("id < 100")
            .selectExpr(
                "id",
                "features",
                "label",
                "array(label, (label + 1) % 10) AS top_k_indices",
                "array(CAST(0.7 AS FLOAT), CAST(0.2 AS FLOAT))" + " AS top_k_probabilities");
    List<Block> blocks;
    try (TrainingData data =
        TrainingData.pack(spark)
            .rows(rows, "top")
            .teacher(TeacherSignal.topK("top_k_indices", "top_k_probabilities", 3.0))
            .features(784)
            .classes(10)
            .execute()) {
      blocks = new ArrayList<>(data.rdd().collect());
    }
    float[] z = new float[10];
    Block b = blocks.get(0);
    b.teacherLogits(0, z, 0);
    float[] p = DistillationLabels.softmax(z, 3.0);
    assertEquals(0.7f, p[b.labels[0]], 1e-6);
    assertEquals(0.0125f, p[(b.labels[0] + 2) % 10], 1e-6);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingData.pack(spark)
                    .rows(
                        rows.selectExpr(
                            "id",
                            "features",
                            "label",
                            "IF(id = 42, array(label, 11), top_k_indices) AS top_k_indices",
                            "top_k_probabilities"),
                        "top")
                    .teacher(TeacherSignal.topK("top_k_indices", "top_k_probabilities", 3.0))
                    .features(784)
                    .classes(10)
                    .execute());
    assertEquals("Dataset top, row id=42: top_k_indices[1] is 11, outside [0, 10)", e.getMessage());
  }
}
