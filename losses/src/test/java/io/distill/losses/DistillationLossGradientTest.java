package io.distill.losses;

import static io.distill.losses.TestData.concat;
import static io.distill.losses.TestData.matrix;
import static io.distill.losses.TestData.maxRelativeError;
import static io.distill.losses.TestData.randomLogits;
import static io.distill.losses.TestData.randomOneHot;
import static io.distill.losses.TestData.randomTeacher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Finite-difference checks of {@link DistillationLoss#computeGradient}, in double precision, with a
 * maximum relative error of 1e-6.
 *
 * <p>Relative error is |analytic − numeric| / max(|analytic|, |numeric|), and entries where both
 * are below 1e-10 in absolute value are skipped (their ratio only measures rounding noise).
 *
 * <p>On step sizes: the score's rounding error is amplified by T² (at T = 20 the soft term is 400 ·
 * KL, and KL is a small difference of two sums of size ~log K), so the usual two-point difference
 * with step 1e-6 has rounding errors of a few 1e-6 relative on small entries. The direct check
 * therefore uses the five-point central difference, whose truncation error is O(h⁴), with h = 1e-3;
 * GradientCheckUtil (two-point only) gets epsilon = 1e-5 · max(1, T / 2): the step grows with T
 * because the rounding error of the score grows as T² while the third derivative that sets the
 * truncation error shrinks as 1/T.
 */
@ExtendWith(DoublePrecision.class)
class DistillationLossGradientTest {

  private static final double MAX_RELATIVE_ERROR = 1e-6;

  /** Step of the five-point central difference in the direct check. */
  private static final double DIRECT_STEP = 1e-3;

  static Stream<Arguments> alphaTemperature() {
    return Stream.of(
        Arguments.of(0.0, 1.0, false),
        Arguments.of(0.0, 20.0, false),
        Arguments.of(0.5, 4.0, false),
        Arguments.of(1.0, 1.0, false),
        Arguments.of(0.1, 2.5, false),
        // logit standardisation (Sun et al. 2024)
        Arguments.of(0.0, 1.0, true),
        Arguments.of(0.0, 4.0, true),
        Arguments.of(0.5, 2.0, true),
        Arguments.of(0.1, 0.5, true));
  }

  @ParameterizedTest(name = "alpha={0}, T={1}, standardised={2}")
  @MethodSource("alphaTemperature")
  void analyticGradientMatchesCentralDifferencesOfTheScore(
      double alpha, double temperature, boolean standardise) {
    Random random = new Random(Double.hashCode(alpha) * 31L + Double.hashCode(temperature));
    int mb = 5;
    int k = 4;
    INDArray logits = matrix(randomLogits(random, mb, k, 2.0));
    INDArray labels =
        matrix(concat(randomOneHot(random, mb, k), randomTeacher(random, mb, k, temperature)));
    DistillationLoss loss = new DistillationLoss(alpha, temperature, standardise);

    assertGradientMatches(loss, labels, logits, new ActivationIdentity(), null);
  }

  @ParameterizedTest(name = "alpha={0}, T={1}, standardised={2}")
  @MethodSource("alphaTemperature")
  void gradientIsChainedThroughANonIdentityActivationAndMasked(
      double alpha, double temperature, boolean standardise) {
    Random random = new Random(7 + Double.hashCode(alpha) * 31L + Double.hashCode(temperature));
    int mb = 4;
    int k = 3;
    INDArray preOutput = matrix(randomLogits(random, mb, k, 1.0));
    INDArray labels =
        matrix(concat(randomOneHot(random, mb, k), randomTeacher(random, mb, k, temperature)));
    INDArray mask = Nd4j.create(new double[][] {{1}, {0}, {1}, {1}});

    assertGradientMatches(
        new DistillationLoss(alpha, temperature, standardise),
        labels,
        preOutput,
        new ActivationTanH(),
        mask);
  }

  /**
   * The (Σy) and (Σp) factors make the gradient exact even for labels that are not distributions.
   */
  @ParameterizedTest(name = "alpha={0}, T={1}, standardised={2}")
  @MethodSource("alphaTemperature")
  void gradientIsExactForUnnormalisedLabels(double alpha, double temperature, boolean standardise) {
    Random random = new Random(19);
    int mb = 3;
    int k = 4;
    INDArray preOutput = matrix(randomLogits(random, mb, k, 1.5));
    INDArray labels = Nd4j.rand(DataType.DOUBLE, mb, 2 * k).muli(1.5);

    assertGradientMatches(
        new DistillationLoss(alpha, temperature, standardise),
        labels,
        preOutput,
        new ActivationIdentity(),
        null);
  }

  /**
   * Compares computeGradient with the five-point central difference (−f(x+2h) + 8f(x+h) − 8f(x−h) +
   * f(x−2h)) / 12h of computeScore, for average = true and false.
   */
  static void assertGradientMatches(
      DistillationLoss loss,
      INDArray labels,
      INDArray preOutput,
      IActivation activation,
      INDArray mask) {
    INDArray analytic = loss.computeGradient(labels, preOutput, activation, mask);
    long mb = preOutput.size(0);
    for (boolean average : new boolean[] {false, true}) {
      INDArray numeric = Nd4j.zeros(DataType.DOUBLE, preOutput.shape());
      for (int i = 0; i < mb; i++) {
        for (int j = 0; j < preOutput.size(1); j++) {
          double h = DIRECT_STEP;
          double derivative =
              (-scoreShifted(loss, labels, preOutput, activation, mask, average, i, j, 2 * h)
                      + 8
                          * scoreShifted(
                              loss, labels, preOutput, activation, mask, average, i, j, h)
                      - 8
                          * scoreShifted(
                              loss, labels, preOutput, activation, mask, average, i, j, -h)
                      + scoreShifted(
                          loss, labels, preOutput, activation, mask, average, i, j, -2 * h))
                  / (12 * h);
          // computeGradient is the gradient of the summed loss; the averaged score is that sum /
          // mb.
          numeric.putScalar(i, j, average ? derivative * mb : derivative);
        }
      }
      double error = maxRelativeError(analytic, numeric);
      assertTrue(
          error < MAX_RELATIVE_ERROR,
          () ->
              loss
                  + " (average="
                  + average
                  + "): max relative error "
                  + error
                  + "\nanalytic:\n"
                  + analytic
                  + "\nnumeric:\n"
                  + numeric);
    }

    Pair<Double, INDArray> both =
        loss.computeGradientAndScore(labels, preOutput, activation, mask, true);
    assertEquals(
        loss.computeScore(labels, preOutput, activation, mask, true), both.getFirst(), 1e-12);
    assertEquals(analytic, both.getSecond());
  }

  /** computeScore with preOutput[i, j] shifted by delta. */
  private static double scoreShifted(
      DistillationLoss loss,
      INDArray labels,
      INDArray preOutput,
      IActivation activation,
      INDArray mask,
      boolean average,
      int i,
      int j,
      double delta) {
    INDArray shifted = preOutput.dup();
    shifted.putScalar(i, j, preOutput.getDouble(i, j) + delta);
    return loss.computeScore(labels, shifted, activation, mask, average);
  }

  /**
   * Through a 4-5-3 network (tanh hidden layer, identity output with this loss) with DL4J's own
   * GradientCheckUtil. DL4J's relative error is |a − n| / (|a| + |n|), half of ours at most, so its
   * threshold is half of ours; it counts an entry as passing when |a − n| is below {@code
   * minAbsoluteError} = 1e-10.
   */
  @ParameterizedTest(name = "alpha={0}, T={1}, standardised={2}")
  @MethodSource("alphaTemperature")
  void networkGradientPassesGradientCheckUtil(
      double alpha, double temperature, boolean standardise) {
    Random random = new Random(11 + Double.hashCode(alpha) * 31L + Double.hashCode(temperature));
    int mb = 6;
    int k = 3;
    MultiLayerNetwork net = network(new DistillationLoss(alpha, temperature, standardise), k);
    INDArray input = matrix(randomLogits(random, mb, 4, 1.0));
    INDArray labels =
        matrix(concat(randomOneHot(random, mb, k), randomTeacher(random, mb, k, temperature)));

    double epsilon = 1e-5 * Math.max(1.0, temperature / 2);

    boolean passed =
        GradientCheckUtil.checkGradients(
            new GradientCheckUtil.MLNConfig()
                .net(net)
                .input(input)
                .labels(labels)
                .epsilon(epsilon)
                .maxRelError(MAX_RELATIVE_ERROR / 2)
                .minAbsoluteError(1e-10)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
    assertTrue(
        passed,
        "GradientCheckUtil failed for " + net.getLayerWiseConfigurations().getConf(1).getLayer());

    INDArray labelMask = Nd4j.create(new double[][] {{1}, {1}, {0}, {1}, {0}, {1}});
    boolean passedMasked =
        GradientCheckUtil.checkGradients(
            new GradientCheckUtil.MLNConfig()
                .net(net)
                .input(input)
                .labels(labels)
                .labelMask(labelMask)
                .epsilon(epsilon)
                .maxRelError(MAX_RELATIVE_ERROR / 2)
                .minAbsoluteError(1e-10)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
    assertTrue(passedMasked, "GradientCheckUtil with a label mask failed");
  }

  /** Negative control: the same check must catch a gradient that is off by 0.1 %. */
  @ParameterizedTest(name = "alpha={0}, T={1}, standardised={2}")
  @MethodSource("alphaTemperature")
  void gradientCheckUtilCatchesASlightlyWrongGradient(
      double alpha, double temperature, boolean standardise) {
    Random random = new Random(13);
    int k = 3;
    MultiLayerNetwork net =
        network(new SkewedGradient(new DistillationLoss(alpha, temperature, standardise)), k);
    INDArray input = matrix(randomLogits(random, 6, 4, 1.0));
    INDArray labels =
        matrix(concat(randomOneHot(random, 6, k), randomTeacher(random, 6, k, temperature)));

    boolean passed =
        GradientCheckUtil.checkGradients(
            new GradientCheckUtil.MLNConfig()
                .net(net)
                .input(input)
                .labels(labels)
                .epsilon(1e-5 * Math.max(1.0, temperature / 2))
                .maxRelError(MAX_RELATIVE_ERROR / 2)
                .minAbsoluteError(1e-10)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
    assertFalse(passed, "GradientCheckUtil accepted a gradient scaled by 1.001");
  }

  /** Delegates to a loss but scales its gradient by 1.001. */
  private record SkewedGradient(ILossFunction delegate) implements ILossFunction {
    @Override
    public double computeScore(
        INDArray labels,
        INDArray preOutput,
        IActivation activationFn,
        INDArray mask,
        boolean average) {
      return delegate.computeScore(labels, preOutput, activationFn, mask, average);
    }

    @Override
    public INDArray computeScoreArray(
        INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
      return delegate.computeScoreArray(labels, preOutput, activationFn, mask);
    }

    @Override
    public INDArray computeGradient(
        INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
      return delegate.computeGradient(labels, preOutput, activationFn, mask).muli(1.001);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(
        INDArray labels,
        INDArray preOutput,
        IActivation activationFn,
        INDArray mask,
        boolean average) {
      return new Pair<>(
          computeScore(labels, preOutput, activationFn, mask, average),
          computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
      return "SkewedGradient(" + delegate.name() + ")";
    }
  }

  static MultiLayerNetwork network(ILossFunction loss, int k) {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .dataType(DataType.DOUBLE)
            .seed(12345)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .list()
            .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
            .layer(
                new OutputLayer.Builder()
                    .nIn(5)
                    .nOut(k)
                    .activation(Activation.IDENTITY)
                    .lossFunction(loss)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }
}
