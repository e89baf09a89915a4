package io.distill.dataset;

import java.util.List;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.bitset.BitSetMethods;

/**
 * Checks on the values of one row, with messages that name the dataset, row id, field, expected and
 * got.
 */
public final class RowChecks {
  private RowChecks() {}

  /**
   * The values of an array&lt;float&gt; field as a float[], checked: not null, {@code expected}
   * values, each finite.
   *
   * @throws IllegalArgumentException e.g. "Dataset d, row id=17: features has 700 values, expected
   *     784"
   */
  public static float[] finiteFloats(
      List<?> values, int expected, String dataset, long id, String field) {
    float[] out = new float[expected];
    finiteFloats(
        values, expected, String.format("Dataset %s, row id=%d", dataset, id), field, out, 0);
    return out;
  }

  /**
   * As above, for a row named by {@code where} (e.g. "Input scores.parquet, row id=17"), into
   * {@code out} from {@code offset}.
   */
  public static void finiteFloats(
      List<?> values, int expected, String where, String field, float[] out, int offset) {
    if (values == null) {
      throw new IllegalArgumentException(where + ": " + field + " is null");
    }
    if (values.size() != expected) {
      throw new IllegalArgumentException(
          String.format(
              "%s: %s has %d values, expected %d", where, field, values.size(), expected));
    }
    for (int i = 0; i < expected; i++) {
      Object v = values.get(i);
      if (v == null) {
        throw new IllegalArgumentException(String.format("%s: %s[%d] is null", where, field, i));
      }
      out[offset + i] = finite(((Number) v).floatValue(), where, field, i);
    }
  }

  /** As above, for the values of a Spark ML {@code Vector} ({@code toArray()}). */
  public static void finiteFloats(
      double[] values, int expected, String where, String field, float[] out, int offset) {
    if (values.length != expected) {
      throw new IllegalArgumentException(
          String.format(
              "%s: %s has %d values, expected %d", where, field, values.length, expected));
    }
    for (int i = 0; i < expected; i++) {
      out[offset + i] = finite((float) values[i], where, field, i);
    }
  }

  private static float finite(float f, String where, String field, int i) {
    if (!Float.isFinite(f)) {
      throw new IllegalArgumentException(
          String.format("%s: %s[%d] is %s, expected a finite number", where, field, i, f));
    }
    return f;
  }

  /**
   * The values of an array&lt;float&gt; (or array&lt;double&gt;) field of Spark's internal row
   * format, copied without boxing and checked as {@link #finiteFloats(List, int, String, long,
   * String)} does.
   */
  public static float[] finiteFloats(
      ArrayData values, boolean doubles, int expected, String dataset, long id, String field) {
    float[] out = new float[expected];
    finiteFloats(values, doubles, expected, dataset, id, field, out, 0);
    return out;
  }

  /**
   * As above, into {@code out} from {@code offset}, so a caller can pack many rows into one array.
   */
  public static void finiteFloats(
      ArrayData values,
      boolean doubles,
      int expected,
      String dataset,
      long id,
      String field,
      float[] out,
      int offset) {
    if (values == null) {
      throw new IllegalArgumentException(
          String.format("Dataset %s, row id=%d: %s is null", dataset, id, field));
    }
    int n = values.numElements();
    if (n != expected) {
      throw new IllegalArgumentException(
          String.format(
              "Dataset %s, row id=%d: %s has %d values, expected %d",
              dataset, id, field, n, expected));
    }
    if (!doubles
        && values instanceof UnsafeArrayData unsafe
        && copyFloats(unsafe, n, out, offset)
        && allFinite(out, offset, n)) {
      return;
    } // else the loop below copies value by value and names the first bad one
    for (int i = 0; i < n; i++) {
      if (values.isNullAt(i)) {
        throw new IllegalArgumentException(
            String.format("Dataset %s, row id=%d: %s[%d] is null", dataset, id, field, i));
      }
      float f = doubles ? (float) values.getDouble(i) : values.getFloat(i);
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException(
            String.format(
                "Dataset %s, row id=%d: %s[%d] is %s, expected a finite number",
                dataset, id, field, i, f));
      }
      out[offset + i] = f;
    }
  }

  /**
   * Spark's own array layout (8 bytes of length, a null bit per element, then the values) copied in
   * one block, as rows read from Parquet arrive, instead of two virtual calls per value. False,
   * with nothing to rely on in {@code out}, when some element is null.
   */
  private static boolean copyFloats(UnsafeArrayData values, int n, float[] out, int offset) {
    Object base = values.getBaseObject();
    long at = values.getBaseOffset();
    if (n > 0 && BitSetMethods.anySet(base, at + 8, (n + 63) / 64)) {
      return false;
    }
    Platform.copyMemory(
        base,
        at + UnsafeArrayData.calculateHeaderPortionInBytes(n),
        out,
        Platform.FLOAT_ARRAY_OFFSET + 4L * offset,
        4L * n);
    return true;
  }

  private static boolean allFinite(float[] values, int offset, int n) {
    for (int i = offset; i < offset + n; i++) {
      if (!Float.isFinite(values[i])) {
        return false;
      }
    }
    return true;
  }
}
