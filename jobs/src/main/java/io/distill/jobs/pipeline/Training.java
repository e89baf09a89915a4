package io.distill.jobs.pipeline;

import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.trainer.Optimiser;
import io.distill.trainer.TrainingSettings;

/**
 * What the configuration says about training, in one place: the trainer settings of a model family
 * (its epochs, minibatch and averaging period, with the workers and seed of the {@code training}
 * section) and each family's {@link Optimiser} (which configures the networks built from keys; a
 * network given as DL4J JSON keeps its own updater).
 */
final class Training {
  private Training() {}

  static TrainingSettings settings(
      RunConfig config, int epochs, int batchSize, int averagingPeriod) {
    Double maxLossGrowth = config.get(Params.TRAINING_MAX_LOSS_GROWTH);
    return TrainingSettings.builder()
        .epochs(epochs)
        .workers(config.get(Params.TRAINING_WORKERS))
        .batchSizePerWorker(batchSize)
        .averagingPeriod(averagingPeriod)
        .seed(config.get(Params.TRAINING_SEED))
        .maxLossGrowth(maxLossGrowth == null ? 0 : maxLossGrowth) // null: no bound
        .build();
  }

  /**
   * The students' optimiser: Adam at {@code students.learning-rate}, decaying by {@code
   * students.lr-decay}.
   */
  static Optimiser studentOptimiser(RunConfig config) {
    return Optimiser.adam(
        config.get(Params.STUDENTS_LEARNING_RATE), config.get(Params.STUDENTS_LR_DECAY));
  }

  /**
   * The teacher's optimiser: Nesterov at {@code teacher.learning-rate} and {@code momentum}, with
   * its decay.
   */
  static Optimiser teacherOptimiser(RunConfig config) {
    return Optimiser.nesterov(
        config.get(Params.TEACHER_LEARNING_RATE),
        config.get(Params.TEACHER_MOMENTUM),
        config.get(Params.TEACHER_LR_DECAY));
  }
}
