package io.distill.student;

import io.distill.losses.DistillationLoss;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Small 784-hidden-10 MLPs (logits out, DistillationLoss α = 1) trained briefly on the driver for
 * the tests.
 */
final class StudentNets {
  private StudentNets() {}

  static MultiLayerNetwork mlp(int hidden, long seed) {
    MultiLayerNetwork net = uninitialized(hidden, seed);
    net.init();
    return net;
  }

  static MultiLayerNetwork uninitialized() {
    return uninitialized(8, 1);
  }

  private static MultiLayerNetwork uninitialized(int hidden, long seed) {
    return new MultiLayerNetwork(
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .updater(new Adam(1e-3))
            .weightInit(WeightInit.RELU)
            .list()
            .layer(
                new DenseLayer.Builder().nIn(784).nOut(hidden).activation(Activation.RELU).build())
            .layer(
                new OutputLayer.Builder()
                    .nIn(hidden)
                    .nOut(10)
                    .activation(Activation.IDENTITY)
                    .lossFunction(DistillationLoss.hardLabelsOnly())
                    .build())
            .build());
  }

  /**
   * Fits {@code net} for {@code epochs} passes over the rows in minibatches of 64, K-wide one-hot
   * labels.
   */
  static MultiLayerNetwork fit(MultiLayerNetwork net, INDArray features, int[] labels, int epochs) {
    int n = labels.length;
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, labels[i], 1.0f);
    }
    for (int epoch = 0; epoch < epochs; epoch++) {
      for (int from = 0; from < n; from += 64) {
        int to = Math.min(n, from + 64);
        net.fit(
            new DataSet(
                features.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup(),
                y.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup()));
      }
    }
    return net;
  }

  /**
   * Rows (id, features, label) of a dataset in id order: ids, a FLOAT feature matrix and the
   * labels.
   */
  record Rows(long[] ids, INDArray features, int[] labels) {
    static Rows of(Dataset<Row> data) {
      List<Row> rows = data.select("id", "features", "label").orderBy("id").collectAsList();
      long[] ids = new long[rows.size()];
      float[][] x = new float[rows.size()][];
      int[] labels = new int[rows.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = rows.get(i).getLong(0);
        List<Float> f = rows.get(i).getList(1);
        x[i] = new float[f.size()];
        for (int j = 0; j < x[i].length; j++) {
          x[i][j] = f.get(j);
        }
        labels[i] = rows.get(i).getInt(2);
      }
      return new Rows(ids, Nd4j.create(x), labels);
    }
  }
}
