package io.distill.losses;

import static io.distill.losses.TestData.concat;
import static io.distill.losses.TestData.matrix;
import static io.distill.losses.TestData.randomLogits;
import static io.distill.losses.TestData.randomOneHot;
import static io.distill.losses.TestData.randomTeacher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The decoupled soft term (Zhao et al. 2022): its score against a plain-Java computation from the
 * paper's definitions, its gradient against central differences and DL4J's GradientCheckUtil, and
 * its numbers when the teacher is all but certain.
 */
@ExtendWith(DoublePrecision.class)
class DecoupledLossTest {

  static Stream<Arguments> settings() {
    return Stream.of(
        Arguments.of(0.0, 1.0, 8.0, false),
        Arguments.of(0.5, 4.0, 8.0, false),
        Arguments.of(0.1, 20.0, 2.0, false),
        Arguments.of(0.9, 2.0, 0.5, false),
        Arguments.of(0.0, 4.0, 8.0, true),
        Arguments.of(0.5, 2.0, 1.0, true));
  }

  @ParameterizedTest(name = "alpha={0}, T={1}, beta={2}, standardised={3}")
  @MethodSource("settings")
  void scoreIsTheHardTermPlusTargetAndNonTargetDivergencesComputedByLoops(
      double alpha, double temperature, double beta, boolean standardise) {
    Random random = new Random(3 + Double.hashCode(beta));
    int mb = 6;
    int k = 5;
    double[][] z = randomLogits(random, mb, k, 2.0);
    double[][] y = randomOneHot(random, mb, k);
    double[][] v = randomTeacher(random, mb, k, temperature);
    DistillationLoss loss = new DistillationLoss(alpha, temperature, standardise, beta);

    INDArray scores =
        loss.computeScoreArray(matrix(concat(y, v)), matrix(z), new ActivationIdentity(), null);

    for (int i = 0; i < mb; i++) {
      double expected = reference(z[i], y[i], v[i], alpha, temperature, beta, standardise);
      assertEquals(expected, scores.getDouble(i, 0), 1e-10 * Math.max(1, Math.abs(expected)));
    }
    double sum = 0;
    for (int i = 0; i < mb; i++) {
      sum += scores.getDouble(i, 0);
    }
    assertEquals(
        sum / mb,
        loss.computeScore(matrix(concat(y, v)), matrix(z), new ActivationIdentity(), null, true),
        1e-10);
  }

  @ParameterizedTest(name = "alpha={0}, T={1}, beta={2}, standardised={3}")
  @MethodSource("settings")
  void gradientMatchesCentralDifferencesThroughIdentityAndTanhWithAMask(
      double alpha, double temperature, double beta, boolean standardise) {
    Random random = new Random(5 + Double.hashCode(temperature));
    int mb = 4;
    int k = 4;
    INDArray preOutput = matrix(randomLogits(random, mb, k, 1.5));
    INDArray labels =
        matrix(concat(randomOneHot(random, mb, k), randomTeacher(random, mb, k, temperature)));
    DistillationLoss loss = new DistillationLoss(alpha, temperature, standardise, beta);

    DistillationLossGradientTest.assertGradientMatches(
        loss, labels, preOutput, new ActivationIdentity(), null);
    DistillationLossGradientTest.assertGradientMatches(
        loss,
        labels,
        preOutput,
        new ActivationTanH(),
        Nd4j.create(new double[][] {{1}, {0}, {1}, {1}}));
  }

  @ParameterizedTest(name = "alpha={0}, T={1}, beta={2}, standardised={3}")
  @MethodSource("settings")
  void networkGradientPassesGradientCheckUtil(
      double alpha, double temperature, double beta, boolean standardise) {
    Random random = new Random(17);
    int k = 3;
    MultiLayerNetwork net =
        DistillationLossGradientTest.network(
            new DistillationLoss(alpha, temperature, standardise, beta), k);
    boolean passed =
        GradientCheckUtil.checkGradients(
            new GradientCheckUtil.MLNConfig()
                .net(net)
                .input(matrix(randomLogits(random, 6, 4, 1.0)))
                .labels(
                    matrix(
                        concat(
                            randomOneHot(random, 6, k), randomTeacher(random, 6, k, temperature))))
                .epsilon(1e-5 * Math.max(1.0, temperature / 2))
                .maxRelError(5e-7)
                .minAbsoluteError(1e-10)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
    assertTrue(passed, "GradientCheckUtil failed for the decoupled loss");
  }

  /**
   * A teacher whose target logit leads by 200 at T = 1 has 1 − p_t = e^-200 (1e-87): Hinton's KL
   * then gives the non-target classes no weight, the decoupled term still β times their divergence,
   * and neither score nor gradient holds a NaN or an infinity.
   */
  @Test
  void aCertainTeacherLeavesTheNonTargetTermAndFiniteNumbers() {
    double[][] y = {{0, 1, 0, 0}};
    double[][] v = {{0, 200, 3, -1}};
    double[][] z = {{1, 2, 0.5, 0.2}};
    INDArray labels = matrix(concat(y, v));
    DistillationLoss hinton = new DistillationLoss(0.0, 1.0);
    DistillationLoss decoupled = new DistillationLoss(0.0, 1.0, false, 8.0);

    double hintonScore =
        hinton.computeScore(labels, matrix(z), new ActivationIdentity(), null, false);
    double decoupledScore =
        decoupled.computeScore(labels, matrix(z), new ActivationIdentity(), null, false);
    INDArray gradient =
        decoupled.computeGradient(labels, matrix(z), new ActivationIdentity(), null);

    assertEquals(reference(z[0], y[0], v[0], 0, 1, 8, false), decoupledScore, 1e-9);
    assertTrue(Double.isFinite(decoupledScore) && Double.isFinite(hintonScore));
    assertTrue(decoupledScore > hintonScore + 1, decoupledScore + " vs " + hintonScore);
    for (double g : gradient.data().asDouble()) {
      assertTrue(Double.isFinite(g), gradient.toString());
    }
    // the non-target classes are pulled toward the teacher's order: class 2 up, class 3 down
    assertTrue(gradient.getDouble(0, 2) < 0 && gradient.getDouble(0, 3) > 0, gradient.toString());
  }

  @Test
  void betaIsValidatedSerialisedAndDroppedWithoutASoftTerm() {
    assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0.5, 4, false, -1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new DistillationLoss(0.5, 4, false, Double.POSITIVE_INFINITY));
    assertEquals(0.0, new DistillationLoss(1.0, 4, false, 8).dkdBeta());
    DistillationLoss loss = new DistillationLoss(0.5, 4, true, 8);
    assertNotEquals(new DistillationLoss(0.5, 4, true), loss);
    assertEquals(
        "DistillationLoss(alpha=0.5, T=4.0, standardised logits, decoupled beta=8.0)",
        loss.toString());
  }

  /**
   * α·CE + (1 − α)·T²·(TCKD + β·NCKD) from probabilities, by loops: p = softmax(v'/T), p̂_j = p_j /
   * (1 − p_t) over j ≠ t, and the same for the student; v' and z' standardised when asked.
   */
  private static double reference(
      double[] z,
      double[] y,
      double[] v,
      double alpha,
      double temperature,
      double beta,
      boolean standardise) {
    double[] s = TestData.softmax(z, 1.0);
    double[] p = TestData.softmax(standardise ? TestData.zScores(v) : v, temperature);
    double[] q = TestData.softmax(standardise ? TestData.zScores(z) : z, temperature);
    int t = 0;
    double crossEntropy = 0;
    for (int j = 0; j < z.length; j++) {
      crossEntropy -= y[j] * Math.log(s[j]);
      if (y[j] == 1) {
        t = j;
      }
    }
    double tckd = p[t] * Math.log(p[t] / q[t]) + (1 - p[t]) * Math.log((1 - p[t]) / (1 - q[t]));
    double nckd = 0;
    for (int j = 0; j < z.length; j++) {
      if (j != t) {
        double pHat = p[j] / (1 - p[t]);
        double qHat = q[j] / (1 - q[t]);
        nckd += pHat * Math.log(pHat / qHat);
      }
    }
    if (1 - p[t] == 0) { // the certain teacher: the split of p among the rest, from the logits
      nckd = 0;
      double[] pRest = restSoftmax(standardise ? TestData.zScores(v) : v, t, temperature);
      double[] qRest = restSoftmax(standardise ? TestData.zScores(z) : z, t, temperature);
      tckd = -Math.log(q[t]);
      for (int j = 0; j < z.length; j++) {
        if (j != t) {
          nckd += pRest[j] * Math.log(pRest[j] / qRest[j]);
        }
      }
    }
    return alpha * crossEntropy + (1 - alpha) * temperature * temperature * (tckd + beta * nckd);
  }

  /** softmax(x / T) over the classes other than t (0 at t). */
  private static double[] restSoftmax(double[] x, int t, double temperature) {
    double[] rest = x.clone();
    rest[t] = Double.NEGATIVE_INFINITY;
    return TestData.softmax(rest, temperature);
  }
}
