package io.distill.trainer;

import java.io.Externalizable;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInput;
import java.io.ObjectInputStream;
import java.io.ObjectOutput;
import java.io.Serializable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the driver broadcasts each round: the network configuration as JSON (a MultiLayerNetwork
 * itself does not survive Spark's closure serialization), its flattened parameters, its flattened
 * updater state (momentum, Adam moments; empty for plain SGD), and the iteration and epoch counters
 * that learning-rate schedules and Adam's bias correction read.
 */
final class NetworkState implements Serializable {
  private static final long serialVersionUID = 1L;

  final String configurationJson;
  final float[] parameters;
  final float[] updaterState;
  final int iteration;
  final int epoch;

  NetworkState(
      String configurationJson,
      float[] parameters,
      float[] updaterState,
      int iteration,
      int epoch) {
    this.configurationJson = configurationJson;
    this.parameters = parameters;
    this.updaterState = updaterState;
    this.iteration = iteration;
    this.epoch = epoch;
  }

  static NetworkState of(MultiLayerNetwork net, String configurationJson) {
    INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
    return new NetworkState(
        configurationJson,
        net.params().toFloatVector(),
        state == null ? new float[0] : state.toFloatVector(),
        net.getLayerWiseConfigurations().getIterationCount(),
        net.getLayerWiseConfigurations().getEpochCount());
  }

  /** Serialized through {@link Proxy}: the arrays as raw bytes. */
  /**
   * Writes {@code values} into the flattened array {@code target} in place (no intermediate array).
   */
  private static void copyInto(INDArray target, float[] values, String what) {
    if (target.length() != values.length) {
      throw new IllegalStateException(
          "The network's " + what + " hold " + target.length() + " values, got " + values.length);
    }
    if (!target.isView()
        && target.dataType() == DataType.FLOAT
        && target.data().length() == values.length) {
      HostArrays.fill(target, values, values.length);
    } else {
      target.assign(
          Nd4j.create(values, new long[] {1, values.length}, 'c').reshape(target.shape()));
    }
  }

  private Object writeReplace() {
    return new Proxy(this);
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("a NetworkState is read through its proxy");
  }

  /** The serialized form of a {@link NetworkState}. */
  static final class Proxy implements Externalizable {
    private static final long serialVersionUID = 1L;
    private NetworkState state;

    public Proxy() {}

    Proxy(NetworkState state) {
      this.state = state;
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
      out.writeUTF(state.configurationJson.length() < 60_000 ? state.configurationJson : "");
      if (state.configurationJson.length() >= 60_000) {
        out.writeObject(state.configurationJson);
      }
      RawArrays.writeFloats(out, state.parameters);
      RawArrays.writeFloats(out, state.updaterState);
      out.writeInt(state.iteration);
      out.writeInt(state.epoch);
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException, ClassNotFoundException {
      String json = in.readUTF();
      if (json.isEmpty()) {
        json = (String) in.readObject();
      }
      state =
          new NetworkState(
              json, RawArrays.readFloats(in), RawArrays.readFloats(in), in.readInt(), in.readInt());
    }

    private Object readResolve() {
      return state;
    }
  }

  /** Loads parameters, updater state and counters into {@code net} (same configuration). */
  void applyTo(MultiLayerNetwork net) {
    copyInto(net.params(), parameters, "parameters");
    INDArray state = net.getUpdater().getStateViewArray();
    if (updaterState.length > 0) {
      if (state == null || state.length() != updaterState.length) {
        throw new IllegalStateException(
            "Updater state has "
                + updaterState.length
                + " values, the network's updater"
                + " holds "
                + (state == null ? 0 : state.length()));
      }
      copyInto(state, updaterState, "updater state");
    }
    net.getLayerWiseConfigurations().setIterationCount(iteration);
    net.getLayerWiseConfigurations().setEpochCount(epoch);
  }
}
