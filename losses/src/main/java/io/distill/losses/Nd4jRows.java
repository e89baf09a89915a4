package io.distill.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Row statistics the loss needs, spelled out so their definition is the one documented. */
final class Nd4jRows {
  private Nd4jRows() {}

  /**
   * Each row's sample standard deviation ({@code K − 1} degrees of freedom) with {@code epsilon}
   * added to the variance, as a {@code [rows, 1]} column.
   */
  static INDArray sd(INDArray x, double epsilon) {
    long k = x.size(1);
    INDArray centred = x.subColumnVector(x.mean(true, 1));
    INDArray variance = centred.muli(centred).sum(true, 1).divi(k - 1).addi(epsilon);
    return Transforms.sqrt(variance, false);
  }
}
