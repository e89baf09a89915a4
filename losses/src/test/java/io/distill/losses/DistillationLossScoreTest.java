package io.distill.losses;

import static io.distill.losses.TestData.concat;
import static io.distill.losses.TestData.matrix;
import static io.distill.losses.TestData.randomLogits;
import static io.distill.losses.TestData.randomOneHot;
import static io.distill.losses.TestData.randomTeacher;
import static io.distill.losses.TestData.referenceLoss;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The score against a plain-Java formula and against DL4J's own cross-entropy, masks, and data
 * types.
 */
@ExtendWith(DoublePrecision.class)
class DistillationLossScoreTest {

  private static final ActivationIdentity IDENTITY = new ActivationIdentity();

  @ParameterizedTest(name = "alpha={0}, T={1}")
  @CsvSource({"0, 1", "0, 20", "0.5, 4", "1, 1", "0.1, 2.5", "0.9, 1"})
  void scoreMatchesPlainJavaFormula(double alpha, double temperature) {
    Random random = new Random(3);
    int mb = 7;
    int k = 5;
    double[][] z = randomLogits(random, mb, k, 2.5);
    double[][] y = randomOneHot(random, mb, k);
    double[][] p = randomTeacher(random, mb, k, temperature);
    DistillationLoss loss = new DistillationLoss(alpha, temperature);
    INDArray labels = matrix(concat(y, p));

    double[] expected = new double[mb];
    double sum = 0.0;
    for (int i = 0; i < mb; i++) {
      expected[i] = referenceLoss(z[i], y[i], p[i], alpha, temperature);
      sum += expected[i];
    }

    INDArray scoreArray = loss.computeScoreArray(labels, matrix(z), IDENTITY, null);
    assertArrayEquals(new long[] {mb, 1}, scoreArray.shape());
    assertArrayEquals(expected, scoreArray.dup().data().asDouble(), 1e-10);
    assertEquals(sum, loss.computeScore(labels, matrix(z), IDENTITY, null, false), 1e-9);
    assertEquals(sum / mb, loss.computeScore(labels, matrix(z), IDENTITY, null, true), 1e-10);
    assertEquals(
        sum / mb,
        loss.computeGradientAndScore(labels, matrix(z), IDENTITY, null, true).getFirst(),
        1e-10);
  }

  /**
   * Logit standardisation against the formula in plain Java: z-scores (sample standard deviation)
   * of both rows, then the usual loss with the hard term on the raw logits.
   */
  @ParameterizedTest(name = "alpha={0}, T={1}")
  @CsvSource({"0, 1", "0, 4", "0.5, 2", "0.9, 0.5"})
  void standardisedScoreMatchesPlainJavaFormula(double alpha, double temperature) {
    Random random = new Random(5);
    int mb = 6;
    int k = 5;
    double[][] z = randomLogits(random, mb, k, 3.0);
    double[][] y = randomOneHot(random, mb, k);
    double[][] v = randomLogits(random, mb, k, 8.0);
    DistillationLoss loss = new DistillationLoss(alpha, temperature, true);
    INDArray scores = loss.computeScoreArray(matrix(concat(y, v)), matrix(z), IDENTITY, null);
    for (int i = 0; i < mb; i++) {
      double ce = 0;
      double[] logS = TestData.logSoftmax(z[i], 1);
      for (int j = 0; j < k; j++) {
        ce -= y[i][j] * logS[j];
      }
      double[] logP = TestData.logSoftmax(TestData.zScores(v[i]), temperature);
      double[] logQ = TestData.logSoftmax(TestData.zScores(z[i]), temperature);
      double kl = 0;
      for (int j = 0; j < k; j++) {
        kl += Math.exp(logP[j]) * (logP[j] - logQ[j]);
      }
      double expected = alpha * ce + (1 - alpha) * temperature * temperature * kl;
      assertEquals(expected, scores.getDouble(i, 0), 1e-9, "row " + i);
    }
    // scaling and shifting the teacher's logits changes nothing: only their shape is matched
    double[][] scaled = new double[mb][k];
    for (int i = 0; i < mb; i++) {
      for (int j = 0; j < k; j++) {
        scaled[i][j] = 5 * v[i][j] + 3;
      }
    }
    assertArrayEquals(
        scores.dup().data().asDouble(),
        loss.computeScoreArray(matrix(concat(y, scaled)), matrix(z), IDENTITY, null)
            .dup()
            .data()
            .asDouble(),
        1e-9);
  }

  @ParameterizedTest(name = "T={0}")
  @ValueSource(doubles = {1, 2.5, 4, 20})
  void klTermIsZeroWhenStudentMatchesTeacher(double temperature) {
    Random random = new Random(5);
    int mb = 6;
    int k = 10;
    INDArray z = matrix(randomLogits(random, mb, k, 3.0));
    // The teacher's logits shifted by a constant per row: the same distribution at every
    // temperature.
    INDArray teacher =
        z.addColumnVector(Nd4j.create(new double[][] {{1}, {-2}, {0.5}, {7}, {0}, {-3}}));
    INDArray labels = DistillationLabels.concat(matrix(randomOneHot(random, mb, k)), teacher);
    DistillationLoss loss = new DistillationLoss(0.0, temperature);

    assertEquals(0.0, loss.computeScore(labels, z, IDENTITY, null, false), 1e-6);
    assertEquals(
        0.0, loss.computeScoreArray(labels, z, IDENTITY, null).amaxNumber().doubleValue(), 1e-6);
    assertEquals(
        0.0, loss.computeGradient(labels, z, IDENTITY, null).amaxNumber().doubleValue(), 1e-6);
  }

  @Test
  void teacherProbabilitiesThatUnderflowContributeNothing() {
    // A teacher logit far below the others: its probability underflows to 0 and must not turn the
    // score into NaN.
    double[][] z = {{1.0, -2.0, 0.5}, {0.0, 0.0, 3.0}};
    double[][] y = {{1, 0, 0}, {0, 0, 1}};
    double[][] p = {{0.7, 0.3, -1e6}, {-1e6, -1e6, 1.0}};
    DistillationLoss loss = new DistillationLoss(0.25, 2.0);

    INDArray scores = loss.computeScoreArray(matrix(concat(y, p)), matrix(z), IDENTITY, null);
    for (int i = 0; i < z.length; i++) {
      assertEquals(referenceLoss(z[i], y[i], p[i], 0.25, 2.0), scores.getDouble(i, 0), 1e-12);
    }
    INDArray gradient = loss.computeGradient(matrix(concat(y, p)), matrix(z), IDENTITY, null);
    assertTrue(Double.isFinite(gradient.sumNumber().doubleValue()), gradient::toString);
  }

  @Test
  void largeLogitsStayFinite() {
    double[][] z = {{1000.0, -1000.0, 0.0}, {-5000.0, -5001.0, -4999.0}};
    double[][] y = {{0, 1, 0}, {1, 0, 0}};
    double[][] p = {{2000.0, 0.3, -2000.0}, {0.1, 0.1, 0.8}};
    DistillationLoss loss = new DistillationLoss(0.5, 3.0);

    INDArray scores = loss.computeScoreArray(matrix(concat(y, p)), matrix(z), IDENTITY, null);
    INDArray gradient = loss.computeGradient(matrix(concat(y, p)), matrix(z), IDENTITY, null);
    for (int i = 0; i < z.length; i++) {
      assertEquals(referenceLoss(z[i], y[i], p[i], 0.5, 3.0), scores.getDouble(i, 0), 1e-9);
    }
    assertTrue(Double.isFinite(gradient.sumNumber().doubleValue()), gradient::toString);
  }

  /**
   * α = 1 is DL4J's softmax cross-entropy on the first K columns; the soft half is not even read
   * (nor needed).
   */
  @ParameterizedTest(name = "masked={0}")
  @ValueSource(booleans = {false, true})
  void hardLabelsOnlyEqualsLossMcxentWithSoftmax(boolean masked) {
    Random random = new Random(17);
    int mb = 8;
    int k = 6;
    INDArray z = matrix(randomLogits(random, mb, k, 2.0));
    INDArray y = matrix(randomOneHot(random, mb, k));
    INDArray garbage = Nd4j.valueArrayOf(new long[] {mb, k}, Double.NaN, DataType.DOUBLE);
    INDArray labels = DistillationLabels.concat(y, garbage);
    INDArray mask =
        masked ? Nd4j.create(new double[][] {{1}, {0}, {1}, {1}, {0}, {1}, {1}, {0}}) : null;
    DistillationLoss loss = DistillationLoss.hardLabelsOnly();
    LossMCXENT mcxent = new LossMCXENT();
    ActivationSoftmax softmax = new ActivationSoftmax();

    for (boolean average : new boolean[] {false, true}) {
      assertEquals(
          mcxent.computeScore(y, z.dup(), softmax, mask, average),
          loss.computeScore(labels, z, IDENTITY, mask, average),
          1e-10);
    }
    assertEquals(
        mcxent.computeScoreArray(y, z.dup(), softmax, mask),
        loss.computeScoreArray(labels, z, IDENTITY, mask));
    INDArray expectedGradient = mcxent.computeGradient(y, z.dup(), softmax, mask);
    INDArray gradient = loss.computeGradient(labels, z, IDENTITY, mask);
    assertTrue(
        expectedGradient.equalsWithEps(gradient, 1e-12),
        () -> expectedGradient + "\nvs\n" + gradient);
    // K-wide labels (no soft half at all) are the same loss.
    assertEquals(
        loss.computeScore(labels, z, IDENTITY, mask, true),
        loss.computeScore(y, z, IDENTITY, mask, true));
    assertTrue(gradient.equalsWithEps(loss.computeGradient(y, z, IDENTITY, mask), 1e-15));
  }

  @Test
  void maskedExamplesContributeNothingAndAverageDividesByMinibatch() {
    Random random = new Random(23);
    int mb = 5;
    int k = 4;
    INDArray z = matrix(randomLogits(random, mb, k, 2.0));
    INDArray labels =
        matrix(concat(randomOneHot(random, mb, k), randomTeacher(random, mb, k, 3.0)));
    DistillationLoss loss = new DistillationLoss(0.4, 3.0);
    INDArray unmaskedScores = loss.computeScoreArray(labels, z, IDENTITY, null);
    INDArray unmaskedGradient = loss.computeGradient(labels, z, IDENTITY, null);

    double[] keep = {1, 0, 1, 0, 1};
    for (INDArray mask :
        new INDArray[] {
          Nd4j.create(keep, new long[] {mb, 1}, DataType.DOUBLE),
          Nd4j.createFromArray(keep),
          Nd4j.createFromArray(new float[] {1, 0, 1, 0, 1})
        }) {
      INDArray scores = loss.computeScoreArray(labels, z, IDENTITY, mask);
      INDArray gradient = loss.computeGradient(labels, z, IDENTITY, mask);
      double kept = 0.0;
      for (int i = 0; i < mb; i++) {
        if (keep[i] == 0) {
          assertEquals(0.0, scores.getDouble(i, 0));
          assertEquals(0.0, gradient.getRow(i).amaxNumber().doubleValue());
        } else {
          assertEquals(unmaskedScores.getDouble(i, 0), scores.getDouble(i, 0), 1e-12);
          assertEquals(unmaskedGradient.getRow(i), gradient.getRow(i));
          kept += unmaskedScores.getDouble(i, 0);
        }
      }
      // Like DL4J's stock losses: the average is over all examples in the minibatch, masked ones
      // included.
      assertEquals(kept / mb, loss.computeScore(labels, z, IDENTITY, mask, true), 1e-12);
      assertEquals(kept, loss.computeScore(labels, z, IDENTITY, mask, false), 1e-12);
    }
  }

  @Test
  void worksInFloatPrecisionAndKeepsTheDataType() {
    Random random = new Random(29);
    int mb = 16;
    int k = 10;
    INDArray z = matrix(randomLogits(random, mb, k, 3.0));
    INDArray labels =
        matrix(concat(randomOneHot(random, mb, k), randomTeacher(random, mb, k, 4.0)));
    DistillationLoss loss = new DistillationLoss(0.3, 4.0);
    INDArray zFloat = z.castTo(DataType.FLOAT);
    INDArray labelsFloat = labels.castTo(DataType.FLOAT);

    INDArray scores = loss.computeScoreArray(labelsFloat, zFloat, IDENTITY, null);
    INDArray gradient = loss.computeGradient(labelsFloat, zFloat, IDENTITY, null);
    assertEquals(DataType.FLOAT, scores.dataType());
    assertEquals(DataType.FLOAT, gradient.dataType());
    assertTrue(
        loss.computeScoreArray(labels, z, IDENTITY, null)
            .castTo(DataType.FLOAT)
            .equalsWithEps(scores, 1e-4));
    assertTrue(
        loss.computeGradient(labels, z, IDENTITY, null)
            .castTo(DataType.FLOAT)
            .equalsWithEps(gradient, 1e-5));
    // Mixed types: float logits with double labels are computed in float.
    assertEquals(DataType.FLOAT, loss.computeGradient(labels, zFloat, IDENTITY, null).dataType());
  }

  @Test
  void doesNotModifyItsArguments() {
    Random random = new Random(31);
    INDArray z = matrix(randomLogits(random, 4, 3, 2.0));
    INDArray labels = matrix(concat(randomOneHot(random, 4, 3), randomTeacher(random, 4, 3, 2.0)));
    INDArray mask = Nd4j.create(new double[][] {{1}, {0}, {1}, {1}});
    INDArray zCopy = z.dup();
    INDArray labelsCopy = labels.dup();
    INDArray maskCopy = mask.dup();

    new DistillationLoss(0.5, 2.0).computeGradientAndScore(labels, z, IDENTITY, mask, true);
    assertEquals(zCopy, z);
    assertEquals(labelsCopy, labels);
    assertEquals(maskCopy, mask);
  }
}
