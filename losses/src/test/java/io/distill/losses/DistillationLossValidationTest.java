package io.distill.losses;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Arguments the loss refuses, and the messages it refuses them with. */
@ExtendWith(DoublePrecision.class)
class DistillationLossValidationTest {

  private static final IActivation IDENTITY = new ActivationIdentity();

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1.1, 1.5, Double.NaN, Double.NEGATIVE_INFINITY})
  void alphaOutsideUnitIntervalIsRefused(double alpha) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(alpha, 2.0));
    assertTrue(
        e.getMessage().contains("alpha must be in [0, 1], cannot be: " + alpha), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DistillationLoss.of(alpha, 2.0));
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {0.0, -0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void nonPositiveOrNonFiniteTemperatureIsRefused(double temperature) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0.5, temperature));
    assertTrue(
        e.getMessage()
            .contains("temperature must be positive and finite, cannot be: " + temperature),
        e.getMessage());
  }

  @Test
  void boundaryValuesAndFactories() {
    assertEquals(0.0, new DistillationLoss(0.0, 1e-3).alpha());
    assertEquals(1.0, new DistillationLoss(1.0, 100).alpha());
    DistillationLoss hard = DistillationLoss.hardLabelsOnly();
    assertEquals(1.0, hard.alpha());
    assertEquals(1.0, hard.temperature());
    assertEquals(new DistillationLoss(0.3, 4), DistillationLoss.of(0.3, 4));
    assertEquals(new DistillationLoss(0.3, 4).hashCode(), DistillationLoss.of(0.3, 4).hashCode());
    assertNotEquals(new DistillationLoss(0.3, 4), new DistillationLoss(0.3, 5));
    assertNotEquals(new DistillationLoss(0.3, 4), new DistillationLoss(0.4, 4));
    assertEquals("DistillationLoss(alpha=0.3, T=4.0)", new DistillationLoss(0.3, 4).name());
  }

  @Test
  void labelsThatAreNotTwiceTheOutputWidthAreRefusedWithBothWidths() {
    INDArray preOutput = Nd4j.rand(DataType.DOUBLE, 3, 10);
    DistillationLoss loss = new DistillationLoss(0.5, 2.0);
    for (long width : new long[] {10, 19, 21}) {
      INDArray labels = Nd4j.rand(DataType.DOUBLE, 3, width);
      String expected =
          "labels must be 2K = 20 columns wide (one-hot hard label, then the teacher's logits)"
              + " for K = 10 outputs, got "
              + width;
      assertAll(everyEntryPoint(loss, labels, preOutput, IDENTITY, null, expected));
    }
    // alpha = 1 takes the hard labels alone (K wide) or with a soft half (2K wide), nothing else.
    assertAll(
        everyEntryPoint(
            DistillationLoss.hardLabelsOnly(),
            Nd4j.rand(DataType.DOUBLE, 3, 13),
            preOutput,
            IDENTITY,
            null,
            "2K = 20 columns wide (one-hot hard label, then the teacher's logits) for K = 10"
                + " outputs (or K wide: hard labels only), got 13"));
  }

  @Test
  void labelsWithADifferentMinibatchSizeAreRefused() {
    assertAll(
        everyEntryPoint(
            new DistillationLoss(0.5, 2.0),
            Nd4j.rand(DataType.DOUBLE, 4, 6),
            Nd4j.rand(DataType.DOUBLE, 3, 3),
            IDENTITY,
            null,
            "labels have 4 rows but the output has 3"));
  }

  @Test
  void softmaxActivationIsRefused() {
    assertAll(
        everyEntryPoint(
            new DistillationLoss(0.5, 2.0),
            Nd4j.rand(DataType.DOUBLE, 3, 8),
            Nd4j.rand(DataType.DOUBLE, 3, 4),
            new ActivationSoftmax(),
            null,
            "Activation.IDENTITY"));
  }

  @Test
  void masksThatAreNotPerExampleAreRefusedNamingBothShapes() {
    INDArray preOutput = Nd4j.rand(DataType.DOUBLE, 5, 3);
    INDArray labels = Nd4j.rand(DataType.DOUBLE, 5, 6);
    DistillationLoss loss = new DistillationLoss(0.5, 2.0);
    assertAll(
        everyEntryPoint(
            loss,
            labels,
            preOutput,
            IDENTITY,
            Nd4j.ones(DataType.DOUBLE, 5, 3),
            "expected a mask of shape [5, 1] or [5], got [5, 3]"));
    assertAll(
        everyEntryPoint(
            loss,
            labels,
            preOutput,
            IDENTITY,
            Nd4j.ones(DataType.DOUBLE, 5, 6),
            "expected a mask of shape [5, 1] or [5], got [5, 6]"));
    assertAll(
        everyEntryPoint(
            loss, labels, preOutput, IDENTITY, Nd4j.ones(DataType.DOUBLE, 1, 5), "got [1, 5]"));
    assertAll(
        everyEntryPoint(
            loss, labels, preOutput, IDENTITY, Nd4j.ones(DataType.DOUBLE, 4, 1), "got [4, 1]"));
  }

  /**
   * Each ILossFunction method must throw an IllegalArgumentException whose message contains {@code
   * expected}.
   */
  private static Executable[] everyEntryPoint(
      DistillationLoss loss,
      INDArray labels,
      INDArray preOutput,
      IActivation activation,
      INDArray mask,
      String expected) {
    Executable[] calls = {
      () -> loss.computeScore(labels, preOutput, activation, mask, true),
      () -> loss.computeScoreArray(labels, preOutput, activation, mask),
      () -> loss.computeGradient(labels, preOutput, activation, mask),
      () -> loss.computeGradientAndScore(labels, preOutput, activation, mask, false)
    };
    Executable[] checks = new Executable[calls.length];
    for (int i = 0; i < calls.length; i++) {
      Executable call = calls[i];
      checks[i] =
          () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().contains(expected), () -> "message: " + e.getMessage());
          };
    }
    return checks;
  }
}
