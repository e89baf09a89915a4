package io.distill.losses;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Random inputs and a plain-Java reference implementation of the distillation loss, for the tests.
 */
final class TestData {

  private TestData() {}

  static double[][] randomLogits(Random random, int rows, int k, double scale) {
    double[][] z = new double[rows][k];
    for (double[] row : z) {
      for (int j = 0; j < k; j++) {
        row[j] = scale * random.nextGaussian();
      }
    }
    return z;
  }

  static double[][] randomOneHot(Random random, int rows, int k) {
    double[][] y = new double[rows][k];
    for (double[] row : y) {
      row[random.nextInt(k)] = 1.0;
    }
    return y;
  }

  /** Teacher logits: fresh random logits (the loss softens them at its own temperature). */
  static double[][] randomTeacher(Random random, int rows, int k, double temperature) {
    return randomLogits(random, rows, k, 3.0);
  }

  static double[][] concat(double[][] a, double[][] b) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = new double[a[i].length + b[i].length];
      System.arraycopy(a[i], 0, out[i], 0, a[i].length);
      System.arraycopy(b[i], 0, out[i], a[i].length, b[i].length);
    }
    return out;
  }

  static INDArray matrix(double[][] values) {
    return Nd4j.create(values);
  }

  static double[] logSoftmax(double[] z, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v / temperature);
    }
    double sum = 0.0;
    for (double v : z) {
      sum += Math.exp(v / temperature - max);
    }
    double logSum = max + Math.log(sum);
    double[] out = new double[z.length];
    for (int j = 0; j < z.length; j++) {
      out[j] = z[j] / temperature - logSum;
    }
    return out;
  }

  static double[] softmax(double[] z, double temperature) {
    double[] out = logSoftmax(z, temperature);
    for (int j = 0; j < out.length; j++) {
      out[j] = Math.exp(out[j]);
    }
    return out;
  }

  /**
   * Each entry's z-score within the row: (x − mean) / sd, with sd the sample standard deviation (K
   * − 1 degrees of freedom) and the loss's epsilon added to the variance, as the loss defines it.
   */
  static double[] zScores(double[] x) {
    double mean = 0;
    for (double v : x) {
      mean += v / x.length;
    }
    double variance = 0;
    for (double v : x) {
      variance += (v - mean) * (v - mean) / (x.length - 1);
    }
    double sd = Math.sqrt(variance + DistillationLoss.VARIANCE_EPSILON);
    double[] out = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      out[j] = (x[j] - mean) / sd;
    }
    return out;
  }

  /**
   * alpha * CE(y, softmax(z)) + (1 - alpha) * T^2 * KL(p || softmax(z / T)) with p = softmax(v / T)
   * of the teacher logits v, by loops.
   */
  static double referenceLoss(
      double[] z, double[] y, double[] v, double alpha, double temperature) {
    double[] logS = logSoftmax(z, 1.0);
    double[] logQ = logSoftmax(z, temperature);
    double[] logP = logSoftmax(v, temperature);
    double crossEntropy = 0.0;
    double kl = 0.0;
    for (int j = 0; j < z.length; j++) {
      crossEntropy -= y[j] * logS[j];
      kl += Math.exp(logP[j]) * (logP[j] - logQ[j]);
    }
    return alpha * crossEntropy + (1.0 - alpha) * temperature * temperature * kl;
  }

  /**
   * Largest relative error |a - n| / max(|a|, |n|) over all entries, skipping entries where both
   * values are below {@code 1e-10} in absolute value (there the ratio only measures rounding
   * noise).
   */
  static double maxRelativeError(INDArray analytic, INDArray numeric) {
    double[] a = analytic.dup('c').data().asDouble();
    double[] n = numeric.dup('c').data().asDouble();
    double worst = 0.0;
    for (int i = 0; i < a.length; i++) {
      double scale = Math.max(Math.abs(a[i]), Math.abs(n[i]));
      if (scale < 1e-10) {
        continue;
      }
      worst = Math.max(worst, Math.abs(a[i] - n[i]) / scale);
    }
    return worst;
  }
}
