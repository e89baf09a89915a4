package io.distill.jobs.pipeline;

import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.trainer.TrainingSettings;

/** The trainer settings the configuration's {@code training} section gives, shared by the teacher and students. */
final class Training {
  private Training() {}

  static TrainingSettings settings(RunConfig config, int epochs) {
    return TrainingSettings.builder().epochs(epochs).workers(config.get(Params.TRAINING_WORKERS))
        .batchSizePerWorker(config.get(Params.TRAINING_BATCH_SIZE))
        .averagingPeriod(config.get(Params.TRAINING_AVERAGING_PERIOD)).seed(config.get(Params.TRAINING_SEED))
        .build();
  }
}
