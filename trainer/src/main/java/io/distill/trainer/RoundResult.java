package io.distill.trainer;

import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;

/**
 * What the workers send back from one round, summed by treeAggregate: parameters and updater state
 * (sums over the workers that trained), how many workers trained, the summed minibatch losses (each
 * × its examples), the examples and minibatches seen, and the furthest iteration counter reached.
 */
final class RoundResult implements Externalizable {
  private static final long serialVersionUID = 1L;

  float[] parameters;
  float[] updaterState;
  int workers;
  double lossSum;
  long examples;
  int batches;
  int iteration;

  /** For deserialization only. */
  public RoundResult() {}

  @Override
  public void writeExternal(ObjectOutput out) throws IOException {
    RawArrays.writeFloats(out, parameters);
    RawArrays.writeFloats(out, updaterState);
    out.writeInt(workers);
    out.writeDouble(lossSum);
    out.writeLong(examples);
    out.writeInt(batches);
    out.writeInt(iteration);
  }

  @Override
  public void readExternal(ObjectInput in) throws IOException {
    parameters = RawArrays.readFloats(in);
    updaterState = RawArrays.readFloats(in);
    workers = in.readInt();
    lossSum = in.readDouble();
    examples = in.readLong();
    batches = in.readInt();
    iteration = in.readInt();
  }

  static RoundResult empty() {
    return new RoundResult();
  }

  static RoundResult of(
      float[] parameters,
      float[] updaterState,
      double lossSum,
      long examples,
      int batches,
      int iteration) {
    RoundResult r = new RoundResult();
    r.parameters = parameters;
    r.updaterState = updaterState;
    r.workers = 1;
    r.lossSum = lossSum;
    r.examples = examples;
    r.batches = batches;
    r.iteration = iteration;
    return r;
  }

  /**
   * Adds {@code other} into this (this is owned by the aggregation and may be changed) and returns
   * the sum.
   */
  static RoundResult merge(RoundResult a, RoundResult b) {
    if (b.workers == 0) {
      return a;
    }
    if (a.workers == 0) {
      return b;
    }
    add(a.parameters, b.parameters);
    add(a.updaterState, b.updaterState);
    a.workers += b.workers;
    a.lossSum += b.lossSum;
    a.examples += b.examples;
    a.batches += b.batches;
    a.iteration = Math.max(a.iteration, b.iteration);
    return a;
  }

  private static void add(float[] into, float[] from) {
    for (int i = 0; i < into.length; i++) {
      into[i] += from[i];
    }
  }

  /** The averaged network after this round. */
  NetworkState average(String configurationJson, int epoch) {
    float scale = 1f / workers;
    for (int i = 0; i < parameters.length; i++) {
      parameters[i] *= scale;
    }
    for (int i = 0; i < updaterState.length; i++) {
      updaterState[i] *= scale;
    }
    return new NetworkState(configurationJson, parameters, updaterState, iteration, epoch);
  }
}
