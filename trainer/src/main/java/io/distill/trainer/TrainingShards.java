package io.distill.trainer;

import io.distill.dataset.DatasetSchema;
import io.distill.dataset.RowChecks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;

/**
 * Turns a labelled dataset (id, features, label [, soft labels]) into one packed {@link Shard} per worker, cached
 * in executor memory. Cost: one shuffle (repartition into the workers), then the data stays in memory
 * (4 × (features + label width) bytes a row) until {@link #release}.
 *
 * <p>Soft labels come from a probabilities column, or from a teacher-logits column as softmax(logits / T) at the
 * T of the network's loss (see {@link LabelLayout}).
 *
 * <p>Every row is checked as it is packed; a bad row fails the job with the dataset, row id, field, expected and
 * got in the message: a features array of the wrong length or with NaN/Inf, a label outside [0, K), soft labels
 * of the wrong length, with NaN/Inf, or not summing to 1.
 */
final class TrainingShards {
  private TrainingShards() {}

  static JavaRDD<Shard> pack(Dataset<Row> data, String name, LabelLayout layout, int workers) {
    DatasetSchema.requireLabelledDataset(data.schema(), name);
    List<Column> columns = new ArrayList<>(List.of(
        data.col(DatasetSchema.ID), data.col(DatasetSchema.FEATURES), data.col(DatasetSchema.LABEL)));
    String soft = layout.softLabelsColumn();
    if (soft != null) {
      StructField field = null;
      for (StructField f : data.schema().fields()) {
        if (f.name().equals(soft)) {
          field = f;
        }
      }
      if (field == null || !(field.dataType() instanceof ArrayType)
          || !((ArrayType) field.dataType()).elementType().equals(DataTypes.FloatType)) {
        throw new IllegalArgumentException("Dataset " + name + ": soft-labels column '" + soft + "' must be"
            + " array<float>, got " + (field == null ? "no such column" : field.dataType().simpleString())
            + " (columns: " + String.join(", ", data.columns()) + ")");
      }
      columns.add(data.col(soft));
    }
    int features = layout.features();
    int classes = layout.classes();
    int width = layout.width();
    boolean distillation = layout.distillation();
    boolean hasSoft = soft != null;
    double temperature = layout.logitsTemperature();
    boolean fromLogits = !Double.isNaN(temperature);
    return data.select(columns.toArray(new Column[0]))
        .repartition(workers)
        .sortWithinPartitions(DatasetSchema.ID)
        .javaRDD()
        .mapPartitions((Iterator<Row> rows) -> {
          List<float[]> x = new ArrayList<>();
          List<float[]> y = new ArrayList<>();
          List<Integer> c = new ArrayList<>();
          while (rows.hasNext()) {
            Row row = rows.next();
            long id = row.getLong(0);
            x.add(RowChecks.finiteFloats(row.getList(1), features, name, id, DatasetSchema.FEATURES));
            int label = row.getInt(2);
            if (label < 0 || label >= classes) {
              throw new IllegalArgumentException(String.format(
                  "Dataset %s, row id=%d: label %d is outside [0, %d)", name, id, label, classes));
            }
            float[] labelRow = new float[width];
            labelRow[label] = 1f;
            if (hasSoft && fromLogits) {
              float[] z = RowChecks.finiteFloats(row.getList(3), classes, name, id, soft);
              System.arraycopy(softmax(z, temperature), 0, labelRow, classes, classes);
            } else if (hasSoft) {
              float[] p = RowChecks.finiteFloats(row.getList(3), classes, name, id, soft);
              double sum = 0;
              for (float v : p) {
                if (v < 0) {
                  throw new IllegalArgumentException(String.format(
                      "Dataset %s, row id=%d: %s holds a negative probability %s", name, id, soft, v));
                }
                sum += v;
              }
              if (Math.abs(sum - 1) > 1e-3) {
                throw new IllegalArgumentException(String.format(
                    "Dataset %s, row id=%d: %s sums to %.6f, expected 1", name, id, soft, sum));
              }
              System.arraycopy(p, 0, labelRow, classes, classes);
            }
            y.add(labelRow);
            c.add(label);
          }
          int n = x.size();
          float[] fx = new float[n * features];
          float[] fy = new float[n * width];
          int[] fc = new int[n];
          for (int i = 0; i < n; i++) {
            System.arraycopy(x.get(i), 0, fx, i * features, features);
            System.arraycopy(y.get(i), 0, fy, i * width, width);
            fc[i] = c.get(i);
          }
          return Collections.singletonList(new Shard(n, features, distillation ? width : classes, fx, fy, fc))
              .iterator();
        })
        .persist(StorageLevel.MEMORY_ONLY());
  }

  /** softmax(z / T), computed stably in double. */
  static float[] softmax(float[] z, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double[] e = new double[z.length];
    double sum = 0;
    for (int k = 0; k < z.length; k++) {
      e[k] = Math.exp((z[k] - max) / temperature);
      sum += e[k];
    }
    float[] p = new float[z.length];
    for (int k = 0; k < z.length; k++) {
      p[k] = (float) (e[k] / sum);
    }
    return p;
  }

  static void release(JavaRDD<Shard> shards) {
    shards.unpersist(false);
  }
}
