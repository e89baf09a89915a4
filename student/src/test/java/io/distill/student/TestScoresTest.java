package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.TeacherSignal;
import io.distill.trainer.TrainingData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;

/**
 * The executors' scores of every model on the test split equal counts made here on the driver,
 * independently: a "teacher" network and two students trained briefly on the slice, scored against
 * the teacher's logits.
 */
class TestScoresTest {
  private static final SparkSession SPARK = LocalSpark.session();
  private static StudentNets.Rows test;
  private static MultiLayerNetwork teacher;
  private static MultiLayerNetwork a;
  private static MultiLayerNetwork b;
  private static float[][] teacherLogits;
  private static Dataset<Row> soft;

  @BeforeAll
  static void trainThreeNetworks() {
    StudentNets.Rows train = StudentNets.Rows.of(EmbeddedMnist.train().where("id < 2000"));
    test = StudentNets.Rows.of(EmbeddedMnist.test());
    teacher = StudentNets.fit(StudentNets.mlp(64, 1), train.features(), train.labels(), 3);
    a = StudentNets.fit(StudentNets.mlp(16, 2), train.features(), train.labels(), 1);
    b = StudentNets.fit(StudentNets.mlp(8, 3), train.features(), train.labels(), 1);
    teacherLogits = teacher.output(test.features(), false).toFloatMatrix();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < test.ids().length; i++) {
      rows.add(RowFactory.create(test.ids()[i], teacherLogits[i]));
    }
    soft =
        SPARK.createDataFrame(
            rows,
            new StructType()
                .add("id", DataTypes.LongType)
                .add("teacher_logits", DataTypes.createArrayType(DataTypes.FloatType)));
  }

  private static TrainingData packed(Dataset<Row> teacherOutputs) {
    return TrainingData.pack(SPARK)
        .rows(EmbeddedMnist.test(), "test")
        .softLabels(teacherOutputs, "soft")
        .teacher(TeacherSignal.logits("teacher_logits"))
        .features(784)
        .classes(10)
        .workers(2)
        .blockBytes(1 << 20)
        .execute();
  }

  @Test
  void scoresEqualIndependentCounts() {
    Map<String, MultiLayerNetwork> models = new LinkedHashMap<>();
    models.put("a", a);
    models.put("b", b);
    Map<String, TestScores.Totals> scores;
    try (TrainingData data = packed(soft)) {
      scores = TestScores.of(SPARK, data, models, 1);
    }
    assertEquals(List.of(TestScores.TEACHER, "a", "b"), List.copyOf(scores.keySet()));
    TestScores.Totals t = scores.get(TestScores.TEACHER);
    assertEquals(1000, t.examples());
    assertEquals(errors(teacherLogits), t.errors());
    assertEquals(1000, t.agreements());
    assertEquals(0.0, t.klSum());
    for (Map.Entry<String, MultiLayerNetwork> m : models.entrySet()) {
      float[][] z = m.getValue().output(test.features(), false).toFloatMatrix();
      TestScores.Totals s = scores.get(m.getKey());
      assertEquals(1000, s.examples());
      assertEquals(errors(z), s.errors(), m.getKey());
      long agree = 0;
      double kl = 0;
      for (int i = 0; i < z.length; i++) {
        agree += argmax(z[i]) == argmax(teacherLogits[i]) ? 1 : 0;
        kl += directKl(teacherLogits[i], z[i]);
      }
      assertEquals(agree, s.agreements(), m.getKey());
      assertTrue(agree < 1000, "another network does not agree everywhere");
      assertEquals(kl, s.klSum(), 1e-6 * kl, m.getKey());
    }
  }

  /**
   * Teacher logits with the classes rolled by one: the teacher's errors and each agreement move
   * accordingly.
   */
  @Test
  void rolledTeacherLogitsGiveTheCountedAgreement() {
    List<Row> rows = new ArrayList<>();
    float[][] rolled = new float[teacherLogits.length][10];
    for (int i = 0; i < rolled.length; i++) {
      for (int k = 0; k < 10; k++) {
        rolled[i][(k + 1) % 10] = teacherLogits[i][k];
      }
      rows.add(RowFactory.create(test.ids()[i], rolled[i]));
    }
    Dataset<Row> rolledSoft = SPARK.createDataFrame(rows, soft.schema());
    Map<String, TestScores.Totals> scores;
    try (TrainingData data = packed(rolledSoft)) {
      scores = TestScores.of(SPARK, data, Map.of("a", a), 1);
    }
    float[][] z = a.output(test.features(), false).toFloatMatrix();
    long agree = 0;
    for (int i = 0; i < z.length; i++) {
      agree += argmax(z[i]) == argmax(rolled[i]) ? 1 : 0;
    }
    assertEquals(agree, scores.get("a").agreements());
    assertEquals(errors(rolled), scores.get(TestScores.TEACHER).errors());
  }

  /**
   * The paired counts of "a" against "b" equal the rows counted here where only one of the two is
   * right; their difference is the difference of the two models' errors, and the totals are those
   * of the pass without pairs (the KL sums to rounding: Spark's reduce adds in any order).
   */
  @Test
  void pairedCountsEqualIndependentCounts() {
    Map<String, MultiLayerNetwork> models = new LinkedHashMap<>();
    models.put("a", a);
    models.put("b", b);
    TestScores.Scores scores;
    Map<String, TestScores.Totals> unpaired;
    try (TrainingData data = packed(soft)) {
      scores = TestScores.of(SPARK, data, models, Map.of("a", "b"), 1);
      unpaired = TestScores.of(SPARK, data, models, 1);
    }
    float[][] za = a.output(test.features(), false).toFloatMatrix();
    float[][] zb = b.output(test.features(), false).toFloatMatrix();
    long onlyA = 0;
    long onlyB = 0;
    for (int i = 0; i < za.length; i++) {
      boolean rightA = argmax(za[i]) == test.labels()[i];
      boolean rightB = argmax(zb[i]) == test.labels()[i];
      onlyA += rightA && !rightB ? 1 : 0;
      onlyB += rightB && !rightA ? 1 : 0;
    }
    assertTrue(onlyA > 0 && onlyB > 0, "two different networks disagree both ways");
    assertEquals(new PairedComparison(onlyA, onlyB), scores.paired().get("a"));
    assertEquals(List.of("a"), List.copyOf(scores.paired().keySet()));
    assertEquals(errors(zb) - errors(za), scores.paired().get("a").gain());
    for (String m : List.of(TestScores.TEACHER, "a", "b")) {
      TestScores.Totals x = unpaired.get(m);
      TestScores.Totals y = scores.totals().get(m);
      assertEquals(x.examples(), y.examples(), m);
      assertEquals(x.errors(), y.errors(), m);
      assertEquals(x.agreements(), y.agreements(), m);
      // the KL sums' order of addition follows Spark's reduce: equal to rounding
      assertEquals(x.klSum(), y.klSum(), 1e-9 * Math.max(1, x.klSum()), m);
    }
  }

  @Test
  void aPairOfAModelNotScoredIsRefused() {
    try (TrainingData data = packed(soft)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TestScores.of(SPARK, data, Map.of("a", a), Map.of("a", "a-baseline"), 1));
      assertEquals(
          "Cannot compare a with a-baseline on test: both must be among the models scored, [a]",
          e.getMessage());
    }
  }

  @Test
  void aModelOfAnotherInputWidthIsRefused() {
    MultiLayerNetwork narrow =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .list()
                .layer(
                    new OutputLayer.Builder()
                        .nIn(100)
                        .nOut(10)
                        .activation(Activation.IDENTITY)
                        .lossFunction(DistillationLoss.hardLabelsOnly())
                        .build())
                .build());
    narrow.init();
    try (TrainingData data = packed(soft)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TestScores.of(SPARK, data, Map.of("narrow", narrow), 1));
      assertEquals(
          "Cannot evaluate narrow: the network takes 100 input features, the test split test has 784",
          e.getMessage());
    }
  }

  @Test
  void klOfOneRowMatchesADirectFormulaAndIgnoresUnderflow() {
    float[] t = {2f, -1f, 0.5f};
    float[] m = {1f, 1f, -3f};
    assertEquals(directKl(t, m), TestScores.klDivergence(t, m, 0, 3), 1e-12);
    assertEquals(0.0, TestScores.klDivergence(t, t, 0, 3), 1e-12);
    float[] sharp = {0f, -1e6f, 0f};
    assertTrue(Double.isFinite(TestScores.klDivergence(sharp, m, 0, 3)));
    assertEquals(-1, TestScores.argmax(new float[] {1f, Float.NaN}, 0, 2));
  }

  private long errors(float[][] z) {
    long errors = 0;
    for (int i = 0; i < z.length; i++) {
      errors += argmax(z[i]) == test.labels()[i] ? 0 : 1;
    }
    return errors;
  }

  private static int argmax(float[] z) {
    int best = 0;
    for (int k = 1; k < z.length; k++) {
      best = z[k] > z[best] ? k : best;
    }
    return best;
  }

  /** Σ p log(p / q) with plain softmaxes in double, terms with p = 0 skipped. */
  private static double directKl(float[] teacher, float[] model) {
    double[] p = softmax(teacher);
    double[] q = softmax(model);
    double kl = 0;
    for (int k = 0; k < p.length; k++) {
      if (p[k] > 0) {
        kl += p[k] * Math.log(p[k] / q[k]);
      }
    }
    return kl;
  }

  private static double[] softmax(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double[] e = new double[z.length];
    double total = 0;
    for (int k = 0; k < z.length; k++) {
      e[k] = Math.exp(z[k] - max);
      total += e[k];
    }
    for (int k = 0; k < z.length; k++) {
      e[k] /= total;
    }
    return e;
  }
}
