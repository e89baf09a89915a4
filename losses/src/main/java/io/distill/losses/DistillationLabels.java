package io.distill.losses;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Helpers for the labels {@link DistillationLoss} reads: building the {@code [mb, 2K]} label matrix
 * (hard one-hot label in columns {@code [0, K)}, teacher logits in {@code [K, 2K)}), taking it
 * apart again, and <b>the</b> numerically stable softmax at a temperature, {@code softmax(z / T)}:
 * how a teacher's soft labels are made from its logits, for ND4J arrays and for plain float rows
 * alike (the project's one declaration of it).
 *
 * <p>All methods check shapes and fail with an {@link IllegalArgumentException} that names them;
 * none modifies its arguments.
 */
public final class DistillationLabels {

  private DistillationLabels() {}

  /**
   * Joins hard labels and teacher probabilities column-wise into the {@code [mb, 2K]} labels for
   * {@link DistillationLoss}.
   *
   * @param oneHot {@code [mb, K]} one-hot hard labels (any numeric type)
   * @param softProbabilities {@code [mb, K]} teacher logits (floating point)
   * @return a new {@code [mb, 2K]} array in the data type of {@code softProbabilities}
   */
  public static INDArray concat(INDArray oneHot, INDArray softProbabilities) {
    requireMatrix("oneHot", oneHot);
    requireMatrix("softProbabilities", softProbabilities);
    if (!Arrays.equals(oneHot.shape(), softProbabilities.shape())) {
      throw new IllegalArgumentException(
          "DistillationLabels.concat: hard labels and soft probabilities must have"
              + " the same shape [mb, K], got "
              + Arrays.toString(oneHot.shape())
              + " and "
              + Arrays.toString(softProbabilities.shape()));
    }
    if (!softProbabilities.dataType().isFPType()) {
      throw new IllegalArgumentException(
          "DistillationLabels.concat: soft probabilities must be floating point,"
              + " got "
              + softProbabilities.dataType());
    }
    return Nd4j.hstack(oneHot.castTo(softProbabilities.dataType()), softProbabilities);
  }

  /**
   * The hard-label half, columns {@code [0, K)}, of {@code [mb, 2K]} distillation labels (a view).
   */
  public static INDArray hardPart(INDArray labels) {
    long k = halfWidth(labels);
    return labels.get(columns(0, k));
  }

  /**
   * The teacher-logits half, columns {@code [K, 2K)}, of {@code [mb, 2K]} distillation labels (a
   * view).
   */
  public static INDArray softPart(INDArray labels) {
    long k = halfWidth(labels);
    return labels.get(columns(k, 2 * k));
  }

  /**
   * Row-wise {@code softmax(logits / T)}, computed stably (the row maximum is subtracted first).
   *
   * @param logits {@code [mb, K]} logits, floating point
   * @param temperature {@code T}, positive and finite
   * @return a new {@code [mb, K]} array of probabilities in the data type of {@code logits}
   */
  public static INDArray softmaxAtTemperature(INDArray logits, double temperature) {
    return Transforms.exp(logSoftmaxAtTemperature(logits, temperature), false);
  }

  /**
   * Row-wise {@code log softmax(logits / T)}, computed stably as {@code x − max − log Σ exp(x −
   * max)}.
   *
   * @param logits {@code [mb, K]} logits, floating point
   * @param temperature {@code T}, positive and finite
   * @return a new {@code [mb, K]} array in the data type of {@code logits}
   */
  public static INDArray logSoftmaxAtTemperature(INDArray logits, double temperature) {
    requireMatrix("logits", logits);
    if (!logits.dataType().isFPType()) {
      throw new IllegalArgumentException(
          "DistillationLabels: logits must be floating point, got " + logits.dataType());
    }
    if (!(temperature > 0.0 && temperature < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "DistillationLabels: temperature must be positive and finite, cannot be: " + temperature);
    }
    return logSoftmax(temperature == 1.0 ? logits : logits.div(temperature));
  }

  /**
   * {@code log softmax(z / T)} of {@code k} values of a float row starting at {@code from}, in
   * double precision, computed stably; NaN values give NaN.
   */
  public static double[] logSoftmax(float[] z, int from, int k, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < k; j++) {
      double v = z[from + j] / temperature;
      max = Double.isNaN(v) ? Double.NaN : Math.max(max, v);
    }
    double sum = 0;
    for (int j = 0; j < k; j++) {
      sum += Math.exp(z[from + j] / temperature - max);
    }
    double logSum = max + Math.log(sum);
    double[] out = new double[k];
    for (int j = 0; j < k; j++) {
      out[j] = z[from + j] / temperature - logSum;
    }
    return out;
  }

  /**
   * The predicted class of {@code k} logits (or probabilities) from {@code from}: the index of the
   * largest, the lowest on ties; -1 when one is NaN (a row with NaN predicts no class). Every
   * accuracy figure uses this one rule.
   */
  public static int predictedClass(float[] z, int from, int k) {
    int best = 0;
    for (int j = 0; j < k; j++) {
      if (Float.isNaN(z[from + j])) {
        return -1;
      }
      if (z[from + j] > z[from + best]) {
        best = j;
      }
    }
    return best;
  }

  /** {@code softmax(z / T)} of a whole float row, computed stably in double, returned as floats. */
  public static float[] softmax(float[] z, double temperature) {
    double[] log = logSoftmax(z, 0, z.length, temperature);
    float[] p = new float[z.length];
    for (int j = 0; j < p.length; j++) {
      p[j] = (float) Math.exp(log[j]);
    }
    return p;
  }

  /** Stable row-wise log-softmax of a 2-d floating-point array; returns a new array. */
  static INDArray logSoftmax(INDArray x) {
    INDArray shifted = x.subColumnVector(x.max(true, 1));
    INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
    return shifted.subiColumnVector(logSumExp);
  }

  /** Index selecting all rows and columns {@code [from, to)}. */
  static INDArrayIndex[] columns(long from, long to) {
    return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(from, to)};
  }

  private static long halfWidth(INDArray labels) {
    requireMatrix("labels", labels);
    if (labels.size(1) % 2 != 0) {
      throw new IllegalArgumentException(
          "DistillationLabels: labels must have an even number (2K) of columns,"
              + " got "
              + labels.size(1));
    }
    return labels.size(1) / 2;
  }

  private static void requireMatrix(String name, INDArray array) {
    if (array == null) {
      throw new IllegalArgumentException("DistillationLabels: " + name + " must not be null");
    }
    if (array.rank() != 2) {
      throw new IllegalArgumentException(
          "DistillationLabels: "
              + name
              + " must be 2-d [mb, K], got shape "
              + Arrays.toString(array.shape()));
    }
  }
}
