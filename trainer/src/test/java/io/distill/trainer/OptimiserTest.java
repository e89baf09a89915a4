package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

class OptimiserTest {
  @Test
  void aConstantRateIsAPlainUpdaterAndADecayAnEpochSchedule() {
    assertEquals(new Adam(0.002), Optimiser.adam(0.002, 1).updater());
    assertEquals(
        new Adam(new ExponentialSchedule(ScheduleType.EPOCH, 0.002, 0.85)),
        Optimiser.adam(0.002, 0.85).updater());
    assertEquals(new Nesterovs(0.1, 0.9), Optimiser.nesterov(0.1, 0.9, 1).updater());
    assertEquals(
        new Nesterovs(new ExponentialSchedule(ScheduleType.EPOCH, 0.1, 0.5), 0.9),
        Optimiser.nesterov(0.1, 0.9, 0.5).updater());
  }

  @Test
  void theScheduleDecaysPerEpoch() {
    ExponentialSchedule s =
        (ExponentialSchedule)
            ((Adam) Optimiser.adam(0.01, 0.5).updater()).getLearningRateSchedule();
    assertEquals(0.01, s.valueAt(0, 0), 1e-12);
    assertEquals(0.0025, s.valueAt(0, 2), 1e-12);
  }

  @Test
  void everyCallIsAFreshUpdater() {
    Optimiser o = Optimiser.studentDefault();
    assertNotSame(o.updater(), o.updater());
  }

  @Test
  void badValuesAreNamed() {
    assertEquals(
        "learningRate must be positive and finite, cannot be: 0.0",
        assertThrows(IllegalArgumentException.class, () -> Optimiser.adam(0, 1)).getMessage());
    assertEquals(
        "decayPerEpoch must be in (0, 1], cannot be: 1.5",
        assertThrows(IllegalArgumentException.class, () -> Optimiser.adam(0.1, 1.5)).getMessage());
    assertEquals(
        "momentum must be in [0, 1), cannot be: 1.0",
        assertThrows(IllegalArgumentException.class, () -> Optimiser.nesterov(0.1, 1, 1))
            .getMessage());
  }
}
