package io.distill.trainer;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The outcome of {@link SparkTrainer#execute()}: the trained network (the best epoch's when early
 * stopping is on), the per-epoch history, the epoch whose parameters were kept, whether training
 * stopped early, and the wall seconds of the whole training (data caching included).
 */
public record TrainingResult(
    MultiLayerNetwork network,
    List<EpochStats> history,
    int keptEpoch,
    boolean stoppedEarly,
    double seconds) {

  public TrainingResult {
    history = List.copyOf(history);
  }

  /** The last epoch's statistics. */
  public EpochStats lastEpoch() {
    return history.get(history.size() - 1);
  }

  public long parameterCount() {
    return network.numParams();
  }
}
