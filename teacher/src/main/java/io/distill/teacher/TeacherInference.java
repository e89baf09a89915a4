package io.distill.teacher;

import io.distill.dataset.DatasetSchema;
import io.distill.dataset.RowChecks;
import io.distill.losses.DistillationLabels;
import io.distill.trainer.HostArrays;
import io.distill.trainer.Nd4jThreads;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-partition work of the soft-label job: rows of (id, features, label) in Spark's internal
 * format (features copied straight into the minibatch, no per-value boxing) go through the
 * executor's teacher in minibatches, and out come rows of the {@link SoftLabelSchema}: id plus the
 * teacher's logits and soft labels, or the top-k. Every row is checked (features of the wrong
 * length or with NaN/Inf, a label outside the teacher's classes) and a bad one fails the task
 * naming the dataset, row id and field.
 */
final class TeacherInference implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String teacherPath;
  private final TeacherInput teacherInput;
  private final String sha256;
  private final String dataset;
  private final int features;
  private final int classes;
  private final double temperature;
  private final int batchSize;
  private final int topK;
  private final int threads;
  private final Broadcast<SerializableConfiguration> conf;
  private final LongAccumulator done;

  TeacherInference(
      String teacherPath,
      String sha256,
      TeacherInput teacherInput,
      String dataset,
      int features,
      int classes,
      double temperature,
      int batchSize,
      int topK,
      int threads,
      Broadcast<SerializableConfiguration> conf,
      LongAccumulator done) {
    this.teacherPath = teacherPath;
    this.teacherInput = teacherInput;
    this.sha256 = sha256;
    this.dataset = dataset;
    this.features = features;
    this.classes = classes;
    this.temperature = temperature;
    this.batchSize = batchSize;
    this.topK = topK;
    this.threads = threads;
    this.conf = conf;
    this.done = done;
  }

  Iterator<Row> label(Iterator<InternalRow> rows) {
    Nd4jThreads.limit(threads);
    TeacherModel teacher =
        ExecutorTeachers.borrow(teacherPath, sha256, teacherInput, conf.value().value());
    TaskContext task = TaskContext.get();
    boolean[] returned = {false};
    Runnable giveBack =
        () -> {
          if (!returned[0]) {
            returned[0] = true;
            ExecutorTeachers.giveBack(teacherPath, sha256, teacherInput, teacher);
          }
        };
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) ctx -> giveBack.run());
    }
    float[] x = new float[batchSize * features];
    long[] ids = new long[batchSize];
    return new Iterator<>() {
      private final List<Row> out = new ArrayList<>(batchSize);
      private int next;

      /**
       * The input of every full minibatch, refilled in place (the last, shorter one gets its own).
       */
      private INDArray fullBatch;

      @Override
      public boolean hasNext() {
        if (next < out.size()) {
          return true;
        }
        out.clear();
        next = 0;
        if (!rows.hasNext()) {
          giveBack.run();
          return false;
        }
        labelBatch();
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return out.get(next++);
      }

      private void labelBatch() {
        int n = 0;
        while (n < batchSize && rows.hasNext()) {
          InternalRow r = rows.next();
          long id = r.getLong(0);
          RowChecks.finiteFloats(
              r.isNullAt(1) ? null : r.getArray(1),
              false,
              features,
              dataset,
              id,
              DatasetSchema.FEATURES,
              x,
              n * features);
          if (r.isNullAt(2)) {
            throw new IllegalArgumentException(
                String.format(
                    "Dataset %s, row id=%d: %s is null", dataset, id, DatasetSchema.LABEL));
          }
          int label = r.getInt(2);
          if (label < 0 || label >= classes) {
            throw new IllegalArgumentException(
                String.format(
                    "Dataset %s, row id=%d: %s %d is outside [0, %d)",
                    dataset, id, DatasetSchema.LABEL, label, classes));
          }
          ids[n++] = id;
        }
        INDArray input;
        if (n == batchSize) {
          input =
              fullBatch == null
                  ? (fullBatch = Nd4j.create(DataType.FLOAT, batchSize, features))
                  : fullBatch;
          HostArrays.fill(input, x, n * features);
        } else {
          input = HostArrays.matrix(x, n, features);
        }
        INDArray logits = teacher.logits(input);
        float[] z = HostArrays.values(logits);
        float[] p = HostArrays.values(DistillationLabels.softmaxAtTemperature(logits, temperature));
        for (int i = 0; i < n; i++) {
          int from = i * classes;
          requireFinite(z, p, from, ids[i]);
          if (topK > 0) {
            int[] top = topIndices(p, from);
            float[] values = new float[topK];
            for (int k = 0; k < topK; k++) {
              values[k] = p[from + top[k]];
            }
            out.add(RowFactory.create(ids[i], top, values));
          } else {
            out.add(
                RowFactory.create(
                    ids[i],
                    Arrays.copyOfRange(z, from, from + classes),
                    Arrays.copyOfRange(p, from, from + classes)));
          }
        }
        done.add(n);
      }

      /** A teacher output that is not a finite number fails the job naming the row. */
      private void requireFinite(float[] z, float[] p, int from, long id) {
        for (int c = 0; c < classes; c++) {
          if (!Float.isFinite(z[from + c]) || !Float.isFinite(p[from + c])) {
            throw new IllegalArgumentException(
                String.format(
                    "Teacher %s, dataset %s, row id=%d: %s[%d] is %s, expected a finite number;"
                        + " nothing published",
                    teacherPath,
                    dataset,
                    id,
                    Float.isFinite(z[from + c])
                        ? SoftLabelSchema.SOFT_LABELS
                        : SoftLabelSchema.TEACHER_LOGITS,
                    c,
                    Float.isFinite(z[from + c]) ? p[from + c] : z[from + c]));
          }
        }
      }

      /**
       * Indices of the k largest of the row's probabilities {@code p[from .. from + classes)},
       * largest first (lowest index first among equals).
       */
      private int[] topIndices(float[] p, int from) {
        int[] top = new int[topK];
        Arrays.fill(top, -1);
        for (int c = 0; c < classes; c++) {
          int pos = topK;
          while (pos > 0 && (top[pos - 1] < 0 || p[from + c] > p[from + top[pos - 1]])) {
            pos--;
          }
          if (pos < topK) {
            System.arraycopy(top, pos, top, pos + 1, topK - pos - 1);
            top[pos] = c;
          }
        }
        return top;
      }
    };
  }
}
