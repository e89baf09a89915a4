package io.distill.serving;

import io.distill.dataset.RowChecks;
import io.distill.losses.DistillationLabels;
import io.distill.trainer.HostArrays;
import io.distill.trainer.Nd4jThreads;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-partition work of {@link DistilledModel#transform}: input rows are checked and their
 * features copied into a minibatch, the executor's copy of the network runs on each full minibatch,
 * and every input row comes out with its prediction, probabilities and (on request) logits
 * appended, in the input's order. A row whose features are missing, of the wrong size or not finite
 * fails the task with one line naming the input, the row (its id, or its position when there is no
 * id column), the column, what was expected and what was got.
 */
final class RowScorer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Broadcast<byte[]> network;
  private final String sha256;
  private final int inputs;
  private final int classes;
  private final int featuresIndex;
  private final int idIndex;
  private final String featuresCol;
  private final String idCol;
  private final String inputName;
  private final int batchSize;
  private final boolean logits;
  private final int threads;

  RowScorer(
      Broadcast<byte[]> network,
      String sha256,
      int inputs,
      int classes,
      int featuresIndex,
      int idIndex,
      String featuresCol,
      String idCol,
      String inputName,
      int batchSize,
      boolean logits,
      int threads) {
    this.network = network;
    this.sha256 = sha256;
    this.inputs = inputs;
    this.classes = classes;
    this.featuresIndex = featuresIndex;
    this.idIndex = idIndex;
    this.featuresCol = featuresCol;
    this.idCol = idCol;
    this.inputName = inputName;
    this.batchSize = batchSize;
    this.logits = logits;
    this.threads = threads;
  }

  Iterator<Row> score(Iterator<Row> rows) {
    Nd4jThreads.limit(threads);
    MultiLayerNetwork net = ExecutorNetworks.borrow(sha256, network::value);
    boolean[] returned = {false};
    Runnable giveBack =
        () -> {
          if (!returned[0]) {
            returned[0] = true;
            ExecutorNetworks.giveBack(sha256, net);
          }
        };
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) ctx -> giveBack.run());
    }
    int partition = task == null ? 0 : task.partitionId();
    float[] x = new float[batchSize * inputs];
    return new Iterator<>() {
      private final List<Row> in = new ArrayList<>(batchSize);
      private final List<Row> out = new ArrayList<>(batchSize);
      private long position;
      private int next;

      @Override
      public boolean hasNext() {
        if (next < out.size()) {
          return true;
        }
        out.clear();
        next = 0;
        fill();
        if (out.isEmpty()) {
          giveBack.run();
          return false;
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return out.get(next++);
      }

      private void fill() {
        in.clear();
        while (in.size() < batchSize && rows.hasNext()) {
          Row row = rows.next();
          copyFeatures(row, x, in.size() * inputs, where(row, position++));
          in.add(row);
        }
        int n = in.size();
        if (n == 0) {
          return;
        }
        INDArray batch = HostArrays.matrix(x, n, inputs);
        INDArray output = net.output(batch, false);
        if (output.size(1) != classes) {
          throw new IllegalStateException(
              "The network output " + output.size(1) + " values per row, expected " + classes);
        }
        float[] z = HostArrays.values(output);
        for (int i = 0; i < n; i++) {
          float[] rowLogits = new float[classes];
          System.arraycopy(z, i * classes, rowLogits, 0, classes);
          out.add(appended(in.get(i), rowLogits));
        }
      }

      private String where(Row row, long index) {
        if (idIndex >= 0) {
          return String.format("Input %s, row %s=%s", inputName, idCol, row.get(idIndex));
        }
        return String.format("Input %s, row %d of partition %d", inputName, index, partition);
      }
    };
  }

  private void copyFeatures(Row row, float[] x, int offset, String where) {
    Object value = row.isNullAt(featuresIndex) ? null : row.get(featuresIndex);
    if (value == null) {
      throw new IllegalArgumentException(where + ": " + featuresCol + " is null");
    }
    if (value instanceof Vector v) {
      RowChecks.finiteFloats(v.toArray(), inputs, where, featuresCol, x, offset);
    } else {
      RowChecks.finiteFloats(row.getList(featuresIndex), inputs, where, featuresCol, x, offset);
    }
  }

  private Row appended(Row row, float[] z) {
    int width = row.length();
    Object[] values = new Object[width + (logits ? 3 : 2)];
    for (int i = 0; i < width; i++) {
      values[i] = row.get(i);
    }
    int predicted = DistillationLabels.predictedClass(z, 0, classes);
    values[width] = predicted < 0 ? Double.NaN : (double) predicted;
    values[width + 1] = Vectors.dense(toDoubles(DistillationLabels.softmax(z, 1.0)));
    if (logits) {
      values[width + 2] = Vectors.dense(toDoubles(z));
    }
    return RowFactory.create(values);
  }

  private static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
