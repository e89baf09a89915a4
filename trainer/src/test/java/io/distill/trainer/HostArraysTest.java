package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class HostArraysTest {
  @Test
  void aMatrixHoldsTheValuesInRowMajorOrder() {
    float[] values = {1, 2, 3, 4, 5, 6, 99};
    INDArray m = HostArrays.matrix(values, 2, 3);
    assertEquals(Nd4j.create(new float[][] {{1, 2, 3}, {4, 5, 6}}), m);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, HostArrays.values(m));
  }

  @Test
  void fillOverwritesTheLeadingValuesAndTheNetworkSeesThem() {
    INDArray m = Nd4j.ones(DataType.FLOAT, 2, 2);
    HostArrays.fill(m, new float[] {7, 8, 9}, 3);
    assertArrayEquals(new float[] {7, 8, 9, 1}, HostArrays.values(m));
    assertEquals(25.0, m.sumNumber().doubleValue(), 0.0); // a native op reads what was written
  }

  @Test
  void viewsAndOtherOrdersAreCopiedOutButNotFilled() {
    INDArray m = Nd4j.create(new float[][] {{1, 2}, {3, 4}});
    assertArrayEquals(new float[] {1, 3, 2, 4}, HostArrays.values(m.transpose()));
    assertArrayEquals(new float[] {3, 4}, HostArrays.values(m.getRow(1)));
    assertArrayEquals(new float[] {1, 2, 3, 4}, HostArrays.values(m.castTo(DataType.DOUBLE)));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> HostArrays.fill(m.getRow(1), new float[] {0, 0}, 2));
    assertEquals(
        true,
        e.getMessage()
            .startsWith("HostArrays: expected a c-order FLOAT array of at least 2 values"));
  }
}
