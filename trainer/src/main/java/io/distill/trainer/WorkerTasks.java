package io.distill.trainer;

import io.distill.losses.DistillationLabels;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The code that runs inside Spark tasks: one training round of one worker, and evaluation of
 * blocks.
 */
final class WorkerTasks {
  private WorkerTasks() {}

  /**
   * The minibatch of rows {@code order[from..to)} of a block, labels laid out as {@code layout}
   * says.
   */
  static DataSet minibatch(
      Block block,
      int[] order,
      int from,
      int to,
      LabelLayout layout,
      InputJitter jitter,
      SplittableRandom random) {
    return new Buffers(to - from, block.features, layout.width())
        .fill(block, order, from, to, layout, jitter, random);
  }

  /**
   * A minibatch's arrays, reused from one minibatch to the next within a task: filling them costs a
   * copy of the rows, not an allocation (on and off the heap) per step.
   */
  static final class Buffers {
    private final int rows;
    private final float[] x;
    private final float[] y;
    private final INDArray features;
    private final INDArray labels;

    Buffers(int rows, int featureCount, int labelWidth) {
      this.rows = rows;
      this.x = new float[rows * featureCount];
      this.y = new float[rows * labelWidth];
      this.features = Nd4j.create(DataType.FLOAT, rows, featureCount);
      this.labels = Nd4j.create(DataType.FLOAT, rows, labelWidth);
    }

    /**
     * Rows {@code order[from..to)} of {@code block}; {@code to - from} must be this buffer's row
     * count.
     */
    DataSet fill(
        Block block,
        int[] order,
        int from,
        int to,
        LabelLayout layout,
        InputJitter jitter,
        SplittableRandom random) {
      if (to - from != rows) {
        throw new IllegalArgumentException(
            "a buffer of " + rows + " rows cannot hold " + (to - from));
      }
      copy(block, order, from, to, layout, x, y);
      if (jitter != null) {
        jitter.apply(x, rows, random);
      }
      HostArrays.fill(features, x, x.length);
      HostArrays.fill(labels, y, y.length);
      return new DataSet(features, labels);
    }
  }

  private static void copy(
      Block block, int[] order, int from, int to, LabelLayout layout, float[] x, float[] y) {
    int n = to - from;
    int f = block.features;
    int width = layout.width();
    Arrays.fill(y, 0f);
    for (int i = 0; i < n; i++) {
      int row = order[from + i];
      block.features(row, x, i * f);
      y[i * width + block.labels[row]] = 1f;
      if (layout.readsTeacher()) {
        block.teacherLogits(row, y, i * width + layout.classes());
      }
    }
  }

  /**
   * Fits one worker's minibatches of one round (see {@link RoundPlan}) on the blocks its task
   * reads.
   */
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

    Round(
        Broadcast<NetworkState> state,
        RoundPlan.Segment[][] segments,
        LabelLayout layout,
        int epoch,
        int round,
        int batchSize,
        long seed,
        boolean shuffle,
        int threads,
        InputJitter jitter) {
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
        Buffers full = new Buffers(batchSize, layout.features(), layout.width());
        for (RoundPlan.Segment segment : mine) {
          Block block = blocks.next();
          if (block.index != segment.block()) {
            throw new IllegalStateException(
                "round "
                    + round
                    + " of worker "
                    + worker
                    + " expected block "
                    + segment.block()
                    + ", got "
                    + block.index);
          }
          int[] order = block.order(RoundPlan.seed(seed, epoch, block.index, 0x0DE5L), shuffle);
          for (int m = segment.from(); m < segment.to(); m++) {
            int from = m * batchSize;
            SplittableRandom shifts =
                jitter == null
                    ? null
                    : new SplittableRandom(RoundPlan.seed(seed, epoch, block.index, 0x7177E5L + m));
            int to = Math.min(from + batchSize, block.rows);
            DataSet batch =
                to - from == batchSize
                    ? full.fill(block, order, from, to, layout, jitter, shifts)
                    : minibatch(block, order, from, to, layout, jitter, shifts);
            net.fit(batch);
            lossSum += net.score() * batch.numExamples();
            examples += batch.numExamples();
            minibatches++;
          }
        }
        INDArray updater = net.getUpdater().getStateViewArray();
        return Collections.singletonList(
                RoundResult.of(
                    net.params().toFloatVector(),
                    updater == null ? new float[0] : updater.toFloatVector(),
                    lossSum,
                    examples,
                    minibatches,
                    net.getLayerWiseConfigurations().getIterationCount()))
            .iterator();
      } finally {
        WorkerNetworks.giveBack(s.configurationJson, net);
      }
    }
  }

  /**
   * Correct predictions (argmax of the K logits vs the hard label), summed loss and examples, over
   * blocks.
   */
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
    return DistillationLabels.predictedClass(values, offset, length);
  }
}
