package io.distill.trainer;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves floats between Java arrays and ND4J arrays in one bulk copy. ND4J 1.0.0-M2.1's own {@code
 * DataBuffer.setData(float[])} and {@code Nd4j.create(float[], shape, order)} copy value by value
 * (a virtual {@code put} per float: a tenth of a millisecond per 784-wide minibatch row block, as
 * much as a small student's step), and {@code toFloatMatrix()} makes a view per row. These go
 * through the buffer's direct NIO view instead, and tell ND4J's affinity manager which copy is
 * current (a no-op on CPU, a host↔device sync under CUDA).
 */
public final class HostArrays {
  private HostArrays() {}

  /**
   * A new c-order FLOAT {@code [rows, columns]} matrix holding {@code values[0 .. rows·columns)}.
   */
  public static INDArray matrix(float[] values, int rows, int columns) {
    return matrix(values, 0, rows, columns);
  }

  /**
   * A new c-order FLOAT {@code [rows, columns]} matrix holding {@code values[offset .. offset +
   * rows·columns)}.
   */
  public static INDArray matrix(float[] values, int offset, int rows, int columns) {
    INDArray out = Nd4j.create(DataType.FLOAT, rows, columns);
    fill(out, values, offset, Math.multiplyExact(rows, columns));
    return out;
  }

  /**
   * Overwrites the first {@code length} values of {@code target} (c-order FLOAT, not a view) with
   * {@code values[0 .. length)}.
   */
  public static void fill(INDArray target, float[] values, int length) {
    fill(target, values, 0, length);
  }

  private static void fill(INDArray target, float[] values, int offset, int length) {
    requireWhole(target, length);
    FloatBuffer buffer = target.data().asNioFloat();
    buffer.put(values, offset, length);
    Nd4j.getAffinityManager().tagLocation(target, AffinityManager.Location.HOST);
  }

  /**
   * The values of {@code source} in c order, as one Java array (a c-order copy first when it is a
   * view).
   */
  public static float[] values(INDArray source) {
    INDArray whole =
        source.isView()
                || source.ordering() != 'c'
                || source.dataType() != DataType.FLOAT
                || source.data().length() != source.length()
            ? source.castTo(DataType.FLOAT).dup('c')
            : source;
    Nd4j.getAffinityManager().ensureLocation(whole, AffinityManager.Location.HOST);
    float[] out = new float[Math.toIntExact(whole.length())];
    whole.data().asNioFloat().get(out);
    return out;
  }

  private static void requireWhole(INDArray target, int length) {
    if (target.isView()
        || target.ordering() != 'c'
        || target.dataType() != DataType.FLOAT
        || target.length() < length) {
      throw new IllegalArgumentException(
          "HostArrays: expected a c-order FLOAT array of at least "
              + length
              + " values that is not a view, got "
              + target.shapeInfoToString().replaceAll("\\s+", " "));
    }
  }
}
