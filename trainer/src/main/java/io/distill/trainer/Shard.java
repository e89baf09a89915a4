package io.distill.trainer;

import java.io.Serializable;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's share of a dataset, packed row-major in float arrays: features (rows × features), label rows
 * (rows × label width, see {@link LabelLayout}) and the hard class of each row. Cached in executor memory for
 * the whole training.
 */
final class Shard implements Serializable {
  private static final long serialVersionUID = 1L;

  final int rows;
  final int featureCount;
  final int labelWidth;
  final float[] features;
  final float[] labels;
  final int[] classes;

  Shard(int rows, int featureCount, int labelWidth, float[] features, float[] labels, int[] classes) {
    this.rows = rows;
    this.featureCount = featureCount;
    this.labelWidth = labelWidth;
    this.features = features;
    this.labels = labels;
    this.classes = classes;
  }

  /** Number of minibatches of {@code batchSize} in one pass (the last may be smaller). */
  int batches(int batchSize) {
    return (rows + batchSize - 1) / batchSize;
  }

  /** The rows {@code order[from..to)} as a DataSet (copies). */
  DataSet batch(int[] order, int from, int to) {
    return batch(order, from, to, null, null);
  }

  /** The rows {@code order[from..to)} as a DataSet (copies), their features jittered when {@code jitter} is set. */
  DataSet batch(int[] order, int from, int to, InputJitter jitter, java.util.SplittableRandom random) {
    int n = to - from;
    float[] x = new float[n * featureCount];
    float[] y = new float[n * labelWidth];
    for (int i = 0; i < n; i++) {
      int row = order[from + i];
      System.arraycopy(features, row * featureCount, x, i * featureCount, featureCount);
      System.arraycopy(labels, row * labelWidth, y, i * labelWidth, labelWidth);
    }
    if (jitter != null) {
      jitter.apply(x, n, random);
    }
    return new DataSet(Nd4j.create(x, new long[] {n, featureCount}, 'c'), Nd4j.create(y, new long[] {n, labelWidth}, 'c'));
  }

  /** The seed of a worker's row order in one epoch. */
  static long orderSeed(long seed, int epoch, int partition) {
    return seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + partition;
  }

  /** Rows in their stored order (by id), or a permutation of them seeded by {@code seed}. */
  int[] order(long seed, boolean shuffle) {
    int[] order = new int[rows];
    for (int i = 0; i < rows; i++) {
      order[i] = i;
    }
    if (shuffle) {
      java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
      for (int i = rows - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }
}
