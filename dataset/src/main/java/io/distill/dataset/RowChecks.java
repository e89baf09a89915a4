package io.distill.dataset;

import java.util.List;
import org.apache.spark.sql.catalyst.util.ArrayData;

/** Checks on the values of one row, with messages that name the dataset, row id, field, expected and got. */
public final class RowChecks {
  private RowChecks() {}

  /**
   * The values of an array&lt;float&gt; field as a float[], checked: not null, {@code expected} values, each finite.
   *
   * @throws IllegalArgumentException e.g. "Dataset d, row id=17: features has 700 values, expected 784"
   */
  public static float[] finiteFloats(List<?> values, int expected, String dataset, long id, String field) {
    if (values == null) {
      throw new IllegalArgumentException(String.format("Dataset %s, row id=%d: %s is null", dataset, id, field));
    }
    if (values.size() != expected) {
      throw new IllegalArgumentException(String.format(
          "Dataset %s, row id=%d: %s has %d values, expected %d", dataset, id, field, values.size(), expected));
    }
    float[] out = new float[expected];
    for (int i = 0; i < expected; i++) {
      Object v = values.get(i);
      if (v == null) {
        throw new IllegalArgumentException(String.format(
            "Dataset %s, row id=%d: %s[%d] is null", dataset, id, field, i));
      }
      float f = ((Number) v).floatValue();
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException(String.format(
            "Dataset %s, row id=%d: %s[%d] is %s, expected a finite number", dataset, id, field, i, f));
      }
      out[i] = f;
    }
    return out;
  }

  /**
   * The values of an array&lt;float&gt; (or array&lt;double&gt;) field of Spark's internal row format, copied without
   * boxing and checked as {@link #finiteFloats(List, int, String, long, String)} does.
   */
  public static float[] finiteFloats(ArrayData values, boolean doubles, int expected, String dataset, long id,
      String field) {
    float[] out = new float[expected];
    finiteFloats(values, doubles, expected, dataset, id, field, out, 0);
    return out;
  }

  /** As above, into {@code out} from {@code offset}, so a caller can pack many rows into one array. */
  public static void finiteFloats(ArrayData values, boolean doubles, int expected, String dataset, long id,
      String field, float[] out, int offset) {
    if (values == null) {
      throw new IllegalArgumentException(String.format("Dataset %s, row id=%d: %s is null", dataset, id, field));
    }
    int n = values.numElements();
    if (n != expected) {
      throw new IllegalArgumentException(String.format(
          "Dataset %s, row id=%d: %s has %d values, expected %d", dataset, id, field, n, expected));
    }
    for (int i = 0; i < n; i++) {
      if (values.isNullAt(i)) {
        throw new IllegalArgumentException(String.format(
            "Dataset %s, row id=%d: %s[%d] is null", dataset, id, field, i));
      }
      float f = doubles ? (float) values.getDouble(i) : values.getFloat(i);
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException(String.format(
            "Dataset %s, row id=%d: %s[%d] is %s, expected a finite number", dataset, id, field, i, f));
      }
      out[offset + i] = f;
    }
  }
}
