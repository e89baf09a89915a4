package io.distill.trainer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Reference minibatches for the trainer's tests, built without the trainer's code. */
final class Minibatches {
  private Minibatches() {}

  /**
   * The rows of {@code data} (id, features, label) in id order, cut into minibatches with K-wide
   * one-hot labels.
   */
  static List<DataSet> inIdOrder(Dataset<Row> data, int classes, int batch) {
    List<Row> rows = new ArrayList<>(data.select("id", "features", "label").collectAsList());
    rows.sort(Comparator.comparingLong(r -> r.getLong(0)));
    List<DataSet> out = new ArrayList<>();
    for (int from = 0; from < rows.size(); from += batch) {
      out.add(of(rows.subList(from, Math.min(rows.size(), from + batch)), classes));
    }
    return out;
  }

  static DataSet of(List<Row> rows, int classes) {
    int n = rows.size();
    int f = rows.get(0).getList(1).size();
    float[][] x = new float[n][f];
    float[][] y = new float[n][classes];
    for (int i = 0; i < n; i++) {
      List<Object> features = rows.get(i).getList(1);
      for (int j = 0; j < f; j++) {
        x[i][j] = ((Number) features.get(j)).floatValue();
      }
      y[i][rows.get(i).getInt(2)] = 1f;
    }
    return new DataSet(Nd4j.create(x), Nd4j.create(y));
  }

  /**
   * The minibatches of packed blocks in block order then row order (the trainer's order with
   * shuffle off).
   */
  static List<DataSet> ofBlocks(List<Block> blocks, LabelLayout layout, int batch) {
    List<DataSet> out = new ArrayList<>();
    blocks.sort(Comparator.comparingInt(b -> b.index));
    for (Block b : blocks) {
      int[] order = b.order(0, false);
      for (int from = 0; from < b.rows; from += batch) {
        out.add(
            WorkerTasks.minibatch(
                b, order, from, Math.min(from + batch, b.rows), layout, null, null));
      }
    }
    return out;
  }
}
