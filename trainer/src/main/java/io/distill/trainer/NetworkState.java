package io.distill.trainer;

import java.io.Serializable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the driver broadcasts each round: the network configuration as JSON (a MultiLayerNetwork itself does not
 * survive Spark's closure serialization), its flattened parameters, its flattened updater state (momentum, Adam
 * moments; empty for plain SGD), and the iteration and epoch counters that learning-rate schedules and Adam's
 * bias correction read.
 */
final class NetworkState implements Serializable {
  private static final long serialVersionUID = 1L;

  final String configurationJson;
  final float[] parameters;
  final float[] updaterState;
  final int iteration;
  final int epoch;

  NetworkState(String configurationJson, float[] parameters, float[] updaterState, int iteration, int epoch) {
    this.configurationJson = configurationJson;
    this.parameters = parameters;
    this.updaterState = updaterState;
    this.iteration = iteration;
    this.epoch = epoch;
  }

  static NetworkState of(MultiLayerNetwork net, String configurationJson) {
    INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
    return new NetworkState(configurationJson, net.params().toFloatVector(),
        state == null ? new float[0] : state.toFloatVector(),
        net.getLayerWiseConfigurations().getIterationCount(), net.getLayerWiseConfigurations().getEpochCount());
  }

  /** Loads parameters, updater state and counters into {@code net} (same configuration). */
  void applyTo(MultiLayerNetwork net) {
    net.setParams(Nd4j.create(parameters, new long[] {1, parameters.length}, 'c'));
    INDArray state = net.getUpdater().getStateViewArray();
    if (updaterState.length > 0) {
      if (state == null || state.length() != updaterState.length) {
        throw new IllegalStateException("Updater state has " + updaterState.length + " values, the network's updater"
            + " holds " + (state == null ? 0 : state.length()));
      }
      state.assign(Nd4j.create(updaterState, new long[] {1, updaterState.length}, 'c'));
    }
    net.getLayerWiseConfigurations().setIterationCount(iteration);
    net.getLayerWiseConfigurations().setEpochCount(epoch);
  }
}
