package io.distill.jobs.pipeline;

import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.trainer.TrainingSettings;

/**
 * The trainer settings of a model family: its epochs, minibatch and averaging period, with the workers and seed of
 * the configuration's {@code training} section.
 */
final class Training {
  private Training() {}

  static TrainingSettings settings(RunConfig config, int epochs, int batchSize, int averagingPeriod) {
    return TrainingSettings.builder().epochs(epochs).workers(config.get(Params.TRAINING_WORKERS))
        .batchSizePerWorker(batchSize).averagingPeriod(averagingPeriod).seed(config.get(Params.TRAINING_SEED))
        .build();
  }
}
