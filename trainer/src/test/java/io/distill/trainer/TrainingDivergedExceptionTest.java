package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** When an epoch's losses say training has diverged. */
class TrainingDivergedExceptionTest {
  private static final String UNTRAINED = "the untrained network's validation loss";

  private static EpochStats epoch(int n, double loss, double validationAccuracy, double vLoss) {
    return new EpochStats(n, loss, validationAccuracy, vLoss, 100, 1000, 0.1, 1);
  }

  @Test
  void aNonFiniteLossStopsAtOnceWhateverTheBound() {
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () ->
                TrainingDivergedException.check(
                    "student s-distilled", List.of(epoch(1, Double.NaN, 0.1, 2.3)), 0, 2.3, ""));
    assertEquals(
        "Training student s-distilled diverged at epoch 1: training loss NaN (not a finite number)",
        e.getMessage());
    assertEquals(1, e.epoch());
    assertThrows(
        TrainingDivergedException.class,
        () ->
            TrainingDivergedException.check(
                "m", List.of(epoch(1, 2.0, 0.5, Double.POSITIVE_INFINITY)), 0, 2.3, ""));
  }

  @Test
  void aLossPastTheBoundOnTheUntrainedLossStops() {
    List<EpochStats> first = List.of(epoch(1, 382_899.5, 0.099, 12.0));
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> TrainingDivergedException.check("m", first, 10, 2.3, UNTRAINED));
    assertEquals(
        "Training m diverged at epoch 1: training loss 382899.5 is more than 10.0 times the"
            + " untrained network's validation loss, 2.3 (training.max-loss-growth)",
        e.getMessage());
    assertEquals(first, e.history());
    assertEquals(382_899.5, e.loss());
    List<EpochStats> validationGrew = List.of(epoch(1, 1.0, 0.2, 30.0));
    assertThrows(
        TrainingDivergedException.class,
        () -> TrainingDivergedException.check("m", validationGrew, 10, 2.3, UNTRAINED));
    assertDoesNotThrow(() -> TrainingDivergedException.check("m", first, 0, 2.3, UNTRAINED));
    assertDoesNotThrow(
        () -> TrainingDivergedException.check("m", List.of(epoch(1, 0.4, 0.9, 0.3)), 10, 2.3, ""),
        "a network that learns");
  }
}
