package io.distill.trainer;

import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The code that runs inside Spark tasks: one training round on a shard, and evaluation of a shard. */
final class WorkerTasks {
  private WorkerTasks() {}

  /** Fits minibatches {@code [round × period, (round+1) × period)} of this epoch's order on one shard. */
  static final class Round implements Function2<Integer, Iterator<Shard>, Iterator<RoundResult>> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<NetworkState> state;
    private final int epoch;
    private final int round;
    private final int period;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final int threads;
    private final InputJitter jitter;

    Round(Broadcast<NetworkState> state, int epoch, int round, int period, int batchSize, long seed,
        boolean shuffle, int threads, InputJitter jitter) {
      this.state = state;
      this.epoch = epoch;
      this.round = round;
      this.period = period;
      this.batchSize = batchSize;
      this.seed = seed;
      this.shuffle = shuffle;
      this.threads = threads;
      this.jitter = jitter;
    }

    @Override
    public Iterator<RoundResult> call(Integer partition, Iterator<Shard> shards) {
      if (!shards.hasNext()) {
        return Collections.singletonList(RoundResult.empty()).iterator();
      }
      Shard shard = shards.next();
      int first = round * period;
      int last = Math.min(first + period, shard.batches(batchSize));
      if (first >= last) {
        return Collections.singletonList(RoundResult.empty()).iterator();
      }
      Nd4jThreads.limit(threads);
      NetworkState s = state.value();
      MultiLayerNetwork net = WorkerNetworks.borrow(s.configurationJson);
      try {
        s.applyTo(net);
        Nd4j.getRandom().setSeed(Shard.orderSeed(seed, epoch, partition) + 7919L * round);
        int[] order = shard.order(Shard.orderSeed(seed, epoch, partition), shuffle);
        java.util.SplittableRandom shifts = new java.util.SplittableRandom(Shard.orderSeed(seed, epoch, partition)
            ^ (0x5DEECE66DL * (round + 1)));
        double lossSum = 0;
        long examples = 0;
        for (int b = first; b < last; b++) {
          int from = b * batchSize;
          DataSet batch = shard.batch(order, from, Math.min(from + batchSize, shard.rows), jitter, shifts);
          net.fit(batch);
          lossSum += net.score() * batch.numExamples();
          examples += batch.numExamples();
        }
        INDArray updater = net.getUpdater().getStateViewArray();
        return Collections.singletonList(RoundResult.of(net.params().toFloatVector(),
            updater == null ? new float[0] : updater.toFloatVector(), lossSum, examples, last - first,
            net.getLayerWiseConfigurations().getIterationCount())).iterator();
      } finally {
        WorkerNetworks.giveBack(s.configurationJson, net);
      }
    }
  }

  /** Correct predictions (argmax of the first K outputs vs the hard class), summed loss and examples. */
  static final class Evaluate implements Function2<Integer, Iterator<Shard>, Iterator<double[]>> {
    private static final long serialVersionUID = 1L;
    private static final int BATCH = 512;

    private final Broadcast<NetworkState> state;
    private final int threads;
    private final int classes;

    Evaluate(Broadcast<NetworkState> state, int threads, int classes) {
      this.state = state;
      this.threads = threads;
      this.classes = classes;
    }

    @Override
    public Iterator<double[]> call(Integer partition, Iterator<Shard> shards) {
      double[] totals = new double[3]; // correct, loss sum, examples
      if (!shards.hasNext()) {
        return Collections.singletonList(totals).iterator();
      }
      Shard shard = shards.next();
      Nd4jThreads.limit(threads);
      NetworkState s = state.value();
      MultiLayerNetwork net = WorkerNetworks.borrow(s.configurationJson);
      try {
        s.applyTo(net);
        int[] order = shard.order(0, false);
        for (int from = 0; from < shard.rows; from += BATCH) {
          int to = Math.min(from + BATCH, shard.rows);
          DataSet batch = shard.batch(order, from, to);
          INDArray output = net.output(batch.getFeatures(), false);
          float[][] out = output.toFloatMatrix();
          for (int i = 0; i < to - from; i++) {
            if (argmax(out[i], 0, classes) == shard.classes[from + i]) {
              totals[0]++;
            }
          }
          totals[1] += net.score(batch, false) * (to - from);
          totals[2] += to - from;
        }
        return Collections.singletonList(totals).iterator();
      } finally {
        WorkerNetworks.giveBack(s.configurationJson, net);
      }
    }
  }

  static int argmax(float[] values, int offset, int length) {
    int best = 0;
    for (int k = 1; k < length; k++) {
      if (values[offset + k] > values[offset + best]) {
        best = k;
      }
    }
    return best;
  }
}
