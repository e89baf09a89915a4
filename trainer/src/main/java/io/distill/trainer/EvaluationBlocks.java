package io.distill.trainer;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs code over the rows of a {@link TrainingData} on the executors, a minibatch at a time, for
 * evaluations that must not bring the data to the driver: each task opens a scorer once (e.g.
 * restores the models to measure) and applies it to every minibatch of its blocks, in stored (id)
 * order.
 */
public final class EvaluationBlocks {
  private EvaluationBlocks() {}

  /**
   * A minibatch: {@code [rows, features]} FLOAT features, the hard labels, and the teacher's logits
   * (K per row, row-major; pseudo-logits for top-k data; null when the data has no teacher).
   */
  public record Minibatch(INDArray features, int[] labels, float[] teacherLogits, int rows) {}

  /** Opened once per task on an executor; returns what is applied to each minibatch. */
  public interface Scorer<R> extends Serializable {
    Function<Minibatch, R> open();
  }

  /** One result per minibatch of {@code batchSize} rows (the last of each block may be smaller). */
  public static <R> JavaRDD<R> map(TrainingData data, Scorer<R> scorer, int batchSize) {
    int classes = data.classes();
    return data.rdd()
        .mapPartitions(
            blocks -> {
              List<R> out = new ArrayList<>();
              Function<Minibatch, R> score = null;
              while (blocks.hasNext()) {
                Block b = blocks.next();
                if (b.rows == 0) {
                  continue;
                }
                if (score == null) {
                  score = scorer.open();
                }
                for (int from = 0; from < b.rows; from += batchSize) {
                  int n = Math.min(batchSize, b.rows - from);
                  int[] labels = Arrays.copyOfRange(b.labels, from, from + n);
                  float[] teacher = null;
                  if (b.hasTeacher()) {
                    teacher = new float[n * classes];
                    for (int i = 0; i < n; i++) {
                      b.teacherLogits(from + i, teacher, i * classes);
                    }
                  }
                  INDArray x = HostArrays.matrix(b.x, from * b.features, n, b.features);
                  out.add(score.apply(new Minibatch(x, labels, teacher, n)));
                }
              }
              return out.iterator();
            });
  }
}
