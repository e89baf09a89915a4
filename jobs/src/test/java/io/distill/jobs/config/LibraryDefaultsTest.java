package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.student.ModelEvaluator;
import io.distill.trainer.Optimiser;
import io.distill.trainer.TrainingSettings;
import org.junit.jupiter.api.Test;

/**
 * Someone who uses the library API (bench/, the README's examples) gets the run the job gets: the
 * library's builders start from the same defaults as the run configuration's keys.
 */
class LibraryDefaultsTest {
  @Test
  void trainingSettingsStartFromTheStudentsKeys() {
    TrainingSettings s = TrainingSettings.builder().build();
    assertEquals(Params.STUDENTS_EPOCHS.defaultValue(), s.epochs());
    assertEquals(Params.STUDENTS_BATCH_SIZE.defaultValue(), s.batchSizePerWorker());
    assertEquals(Params.STUDENTS_AVERAGING_PERIOD.defaultValue(), s.averagingPeriod());
    assertEquals(Params.TRAINING_WORKERS.defaultValue(), s.workers());
    assertEquals(Params.TRAINING_SEED.defaultValue(), s.seed());
  }

  @Test
  void optimisersStartFromTheFamiliesKeys() {
    assertEquals(
        Optimiser.adam(
            Params.STUDENTS_LEARNING_RATE.defaultValue(), Params.STUDENTS_LR_DECAY.defaultValue()),
        Optimiser.studentDefault());
    assertEquals(
        Optimiser.nesterov(
            Params.TEACHER_LEARNING_RATE.defaultValue(),
            Params.TEACHER_MOMENTUM.defaultValue(),
            Params.TEACHER_LR_DECAY.defaultValue()),
        Optimiser.teacherDefault());
  }

  @Test
  void theEvaluatorStartsFromTheEvaluationKeys() {
    String settings = ModelEvaluator.builder().build().toString();
    assertTrue(
        settings.contains("latencyCalls=" + Params.EVALUATION_LATENCY_CALLS.defaultValue() + ","),
        settings);
    assertTrue(
        settings.contains("throughputBatch=" + Params.EVALUATION_THROUGHPUT_BATCH.defaultValue()),
        settings);
  }
}
