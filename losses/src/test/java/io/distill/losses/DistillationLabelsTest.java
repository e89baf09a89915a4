package io.distill.losses;

import static io.distill.losses.TestData.matrix;
import static io.distill.losses.TestData.randomLogits;
import static io.distill.losses.TestData.softmax;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(DoublePrecision.class)
class DistillationLabelsTest {

  @Test
  void concatPutsHardLabelsFirstAndTeacherProbabilitiesSecond() {
    INDArray oneHot = Nd4j.createFromArray(new int[][] {{0, 1, 0}, {1, 0, 0}});
    INDArray soft = Nd4j.createFromArray(new float[][] {{0.2f, 0.7f, 0.1f}, {0.5f, 0.25f, 0.25f}});

    INDArray labels = DistillationLabels.concat(oneHot, soft);
    assertArrayEquals(new long[] {2, 6}, labels.shape());
    assertEquals(DataType.FLOAT, labels.dataType());
    assertEquals(oneHot.castTo(DataType.FLOAT), DistillationLabels.hardPart(labels));
    assertEquals(soft, DistillationLabels.softPart(labels));
  }

  @Test
  void floatRowSoftmaxMatchesTheArrayOne() {
    float[] z = {3f, -1f, 0.5f, 2f};
    INDArray expected =
        DistillationLabels.softmaxAtTemperature(Nd4j.create(new float[][] {z}), 2.5);
    assertArrayEquals(expected.toFloatVector(), DistillationLabels.softmax(z, 2.5), 1e-7f);
    double[] log = DistillationLabels.logSoftmax(new float[] {9f, 3f, -1f, 0.5f, 2f}, 1, 4, 2.5);
    for (int j = 0; j < 4; j++) {
      assertEquals(Math.log(expected.getDouble(0, j)), log[j], 1e-6);
    }
  }

  @Test
  void concatRefusesMismatchedShapes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DistillationLabels.concat(
                    Nd4j.zeros(DataType.DOUBLE, 4, 3), Nd4j.zeros(DataType.DOUBLE, 4, 5)));
    assertTrue(e.getMessage().contains("[4, 3] and [4, 5]"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            DistillationLabels.concat(
                Nd4j.zeros(DataType.DOUBLE, 3), Nd4j.zeros(DataType.DOUBLE, 3)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            DistillationLabels.concat(
                Nd4j.zeros(DataType.DOUBLE, 2, 3), Nd4j.zeros(DataType.INT, 2, 3)));
    IllegalArgumentException odd =
        assertThrows(
            IllegalArgumentException.class,
            () -> DistillationLabels.softPart(Nd4j.zeros(DataType.DOUBLE, 2, 7)));
    assertTrue(odd.getMessage().contains("got 7"), odd.getMessage());
  }

  @Test
  void softmaxAtTemperatureMatchesPlainJava() {
    Random random = new Random(37);
    double[][] z = randomLogits(random, 5, 7, 4.0);
    for (double temperature : new double[] {0.5, 1, 3, 20}) {
      INDArray probabilities = DistillationLabels.softmaxAtTemperature(matrix(z), temperature);
      for (int i = 0; i < z.length; i++) {
        assertArrayEquals(
            softmax(z[i], temperature), probabilities.getRow(i).toDoubleVector(), 1e-14);
      }
    }
  }

  @Test
  void softmaxAtTemperatureIsStableForHugeLogitsAndKeepsFloat() {
    INDArray logits =
        Nd4j.createFromArray(new float[][] {{1000f, 1001f, 999f}, {-1e4f, -1e4f, -1e4f}});
    INDArray probabilities = DistillationLabels.softmaxAtTemperature(logits, 2.0);
    assertEquals(DataType.FLOAT, probabilities.dataType());
    assertTrue(
        probabilities.sum(1).equalsWithEps(Nd4j.createFromArray(1f, 1f), 1e-6),
        probabilities::toString);
    assertEquals(1.0 / 3, probabilities.getDouble(1, 0), 1e-6);
    assertTrue(probabilities.getDouble(0, 1) > probabilities.getDouble(0, 0));
    assertArrayEquals(
        new float[][] {{1000f, 1001f, 999f}, {-1e4f, -1e4f, -1e4f}}, logits.toFloatMatrix());
  }

  @Test
  void softmaxAtTemperatureRefusesBadArguments() {
    INDArray logits = Nd4j.zeros(DataType.DOUBLE, 2, 3);
    for (double temperature : new double[] {0, -2, Double.NaN, Double.POSITIVE_INFINITY}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> DistillationLabels.softmaxAtTemperature(logits, temperature));
      assertTrue(e.getMessage().contains("cannot be: " + temperature), e.getMessage());
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DistillationLabels.softmaxAtTemperature(Nd4j.zeros(DataType.DOUBLE, 3), 1.0));
    assertTrue(e.getMessage().contains("[3]"), e.getMessage());
  }
}
