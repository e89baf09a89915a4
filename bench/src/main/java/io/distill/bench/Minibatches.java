package io.distill.bench;

import io.distill.trainer.EvaluationBlocks;
import io.distill.trainer.TrainingData;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A packed dataset's rows brought to this JVM as minibatches with one-hot labels, for single-JVM
 * reference fits.
 */
final class Minibatches {
  private Minibatches() {}

  /** Features and labels of one minibatch, as they travel from the executors. */
  record Rows(float[] x, int[] labels, int rows, int features) implements Serializable {}

  static List<DataSet> of(TrainingData data, int batch) {
    int classes = data.classes();
    EvaluationBlocks.Scorer<Rows> copy =
        () ->
            mb ->
                new Rows(
                    mb.features().data().asFloat(),
                    mb.labels(),
                    mb.rows(),
                    (int) mb.features().size(1));
    List<DataSet> out = new ArrayList<>();
    for (Rows r : EvaluationBlocks.map(data, copy, batch).collect()) {
      float[] y = new float[r.rows() * classes];
      for (int i = 0; i < r.rows(); i++) {
        y[i * classes + r.labels()[i]] = 1f;
      }
      out.add(
          new DataSet(
              Nd4j.create(r.x(), new long[] {r.rows(), r.features()}, 'c'),
              Nd4j.create(y, new long[] {r.rows(), classes}, 'c')));
    }
    return out;
  }
}
