package io.distill.trainer;

import java.util.Collections;
import java.util.Iterator;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The code that runs inside Spark tasks: one training round of one worker, and evaluation of blocks. */
final class WorkerTasks {
  private WorkerTasks() {}

  /** The minibatch of rows {@code order[from..to)} of a block, labels laid out as {@code layout} says. */
  static DataSet minibatch(Block block, int[] order, int from, int to, LabelLayout layout, InputJitter jitter,
      SplittableRandom random) {
    int n = to - from;
    int f = block.features;
    int width = layout.width();
    float[] x = new float[n * f];
    float[] y = new float[n * width];
    for (int i = 0; i < n; i++) {
      int row = order[from + i];
      block.features(row, x, i * f);
      y[i * width + block.labels[row]] = 1f;
      if (layout.readsTeacher()) {
        block.teacherLogits(row, y, i * width + layout.classes());
      }
    }
    if (jitter != null) {
      jitter.apply(x, n, random);
    }
    return new DataSet(Nd4j.create(x, new long[] {n, f}, 'c'), Nd4j.create(y, new long[] {n, width}, 'c'));
  }

  /** Fits one worker's minibatches of one round (see {@link RoundPlan}) on the blocks its task reads. */
  static final class Round implements Function2<Integer, Iterator<Block>, Iterator<RoundResult>> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<NetworkState> state;
    private final RoundPlan.Segment[][] segments;
    private final LabelLayout layout;
    private final int epoch;
    private final int round;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final int threads;
    private final InputJitter jitter;

    Round(Broadcast<NetworkState> state, RoundPlan.Segment[][] segments, LabelLayout layout, int epoch, int round,
        int batchSize, long seed, boolean shuffle, int threads, InputJitter jitter) {
      this.state = state;
      this.segments = segments;
      this.layout = layout;
      this.epoch = epoch;
      this.round = round;
      this.batchSize = batchSize;
      this.seed = seed;
      this.shuffle = shuffle;
      this.threads = threads;
      this.jitter = jitter;
    }

    @Override
    public Iterator<RoundResult> call(Integer worker, Iterator<Block> blocks) {
      RoundPlan.Segment[] mine = segments[worker];
      if (mine.length == 0) {
        return Collections.singletonList(RoundResult.empty()).iterator();
      }
      Nd4jThreads.limit(threads);
      NetworkState s = state.value();
      MultiLayerNetwork net = WorkerNetworks.borrow(s.configurationJson);
      try {
        s.applyTo(net);
        Nd4j.getRandom().setSeed(RoundPlan.seed(seed, epoch, worker, round));
        double lossSum = 0;
        long examples = 0;
        int minibatches = 0;
        for (RoundPlan.Segment segment : mine) {
          Block block = blocks.next();
          if (block.index != segment.block()) {
            throw new IllegalStateException("round " + round + " of worker " + worker + " expected block "
                + segment.block() + ", got " + block.index);
          }
          int[] order = block.order(RoundPlan.seed(seed, epoch, block.index, 0x0DE5L), shuffle);
          for (int m = segment.from(); m < segment.to(); m++) {
            int from = m * batchSize;
            SplittableRandom shifts = jitter == null ? null
                : new SplittableRandom(RoundPlan.seed(seed, epoch, block.index, 0x7177E5L + m));
            DataSet batch = minibatch(block, order, from, Math.min(from + batchSize, block.rows), layout, jitter,
                shifts);
            net.fit(batch);
            lossSum += net.score() * batch.numExamples();
            examples += batch.numExamples();
            minibatches++;
          }
        }
        INDArray updater = net.getUpdater().getStateViewArray();
        return Collections.singletonList(RoundResult.of(net.params().toFloatVector(),
            updater == null ? new float[0] : updater.toFloatVector(), lossSum, examples, minibatches,
            net.getLayerWiseConfigurations().getIterationCount())).iterator();
      } finally {
        WorkerNetworks.giveBack(s.configurationJson, net);
      }
    }
  }

  /** Correct predictions (argmax of the K logits vs the hard label), summed loss and examples, over blocks. */
  static final class Evaluate implements Function2<Integer, Iterator<Block>, Iterator<double[]>> {
    private static final long serialVersionUID = 1L;
    private static final int BATCH = 512;

    private final Broadcast<NetworkState> state;
    private final LabelLayout layout;
    private final int threads;

    Evaluate(Broadcast<NetworkState> state, LabelLayout layout, int threads) {
      this.state = state;
      this.layout = layout;
      this.threads = threads;
    }

    @Override
    public Iterator<double[]> call(Integer partition, Iterator<Block> blocks) {
      double[] totals = new double[3]; // correct, loss sum, examples
      if (!blocks.hasNext()) {
        return Collections.singletonList(totals).iterator();
      }
      Nd4jThreads.limit(threads);
      NetworkState s = state.value();
      MultiLayerNetwork net = WorkerNetworks.borrow(s.configurationJson);
      try {
        s.applyTo(net);
        while (blocks.hasNext()) {
          Block block = blocks.next();
          int[] order = block.order(0, false);
          for (int from = 0; from < block.rows; from += BATCH) {
            int to = Math.min(from + BATCH, block.rows);
            DataSet batch = minibatch(block, order, from, to, layout, null, null);
            float[][] out = net.output(batch.getFeatures(), false).toFloatMatrix();
            for (int i = 0; i < to - from; i++) {
              if (argmax(out[i], 0, layout.classes()) == block.labels[from + i]) {
                totals[0]++;
              }
            }
            totals[1] += net.score(batch, false) * (to - from);
            totals[2] += to - from;
          }
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
