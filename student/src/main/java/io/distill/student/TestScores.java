package io.distill.student;

import io.distill.losses.DistillationLabels;
import io.distill.trainer.EvaluationBlocks;
import io.distill.trainer.LabelLayout;
import io.distill.trainer.Nd4jThreads;
import io.distill.trainer.NetworkZips;
import io.distill.trainer.TrainingData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What each model gets right on the test split, computed by one Spark job on the executors from the
 * packed test data (features, labels and the teacher's logits from the soft-label job; nothing of
 * the test split reaches the driver but the sums): per model, the examples, the errors (argmax of
 * the logits differs from the label; a logit row with NaN predicts no class), the agreements with
 * the teacher (argmax equal to the argmax of the teacher's logits) and the summed
 * KL(softmax(teacher logits) ‖ softmax(model logits)) at T = 1 in nats (from stable log-softmaxes
 * in double; a teacher probability that underflows to 0 contributes nothing; clamped at 0 per
 * example). The teacher itself is scored from its stored logits ({@link #TEACHER}: agreement 1, KL
 * 0), not run again.
 *
 * <p>Cost: one pass over the test blocks; every task restores each model once from its broadcast
 * zip and runs it in minibatches of 1,024 rows; {@code O(n·K)} double arithmetic per model.
 */
public final class TestScores {
  /** The name under which the teacher's own scores are returned. */
  public static final String TEACHER = "teacher";

  private static final int BATCH = 1024;

  private TestScores() {}

  /** One model's sums over the test split. */
  public record Totals(long examples, long errors, long agreements, double klSum)
      implements Serializable {
    Totals plus(Totals o) {
      return new Totals(
          examples + o.examples, errors + o.errors, agreements + o.agreements, klSum + o.klSum);
    }

    public double accuracy() {
      return 1.0 - (double) errors / examples;
    }
  }

  /**
   * Scores each model on {@code test} (packed with the teacher's logits), plus the teacher from its
   * logits.
   *
   * @param models by name; each a network whose output layer emits K logits
   * @return by name, in the order given, the teacher first
   */
  public static Map<String, Totals> of(
      SparkSession spark, TrainingData test, Map<String, MultiLayerNetwork> models, int threads) {
    if (!test.teacher().present()) {
      throw new IllegalArgumentException(
          "Cannot score models on " + test.name() + ": it has no teacher logits");
    }
    List<String> names = new ArrayList<>(models.keySet());
    List<byte[]> zips = new ArrayList<>();
    for (String name : names) {
      MultiLayerNetwork net = models.get(name);
      long inputs = LabelLayout.inputSize(net.getLayerWiseConfigurations());
      if (inputs != test.features()) {
        throw new IllegalArgumentException(
            "Cannot evaluate "
                + name
                + ": the network takes "
                + inputs
                + " input features, the test split "
                + test.name()
                + " has "
                + test.features());
      }
      zips.add(zip(net));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<List<byte[]>> broadcast = jsc.broadcast(zips);
    int classes = test.classes();
    try {
      EvaluationBlocks.Scorer<List<Totals>> scorer =
          () -> {
            Nd4jThreads.limit(threads);
            List<MultiLayerNetwork> nets = new ArrayList<>();
            for (byte[] zip : broadcast.value()) {
              nets.add(restore(zip));
            }
            return batch -> {
              List<Totals> out = new ArrayList<>();
              out.add(teacherTotals(batch.labels(), batch.teacherLogits(), batch.rows(), classes));
              for (MultiLayerNetwork net : nets) {
                out.add(
                    modelTotals(
                        net,
                        batch.features(),
                        batch.labels(),
                        batch.teacherLogits(),
                        batch.rows(),
                        classes));
              }
              return out;
            };
          };
      List<Totals> sums =
          EvaluationBlocks.map(test, scorer, BATCH)
              .reduce(
                  (a, b) -> {
                    List<Totals> sum = new ArrayList<>();
                    for (int i = 0; i < a.size(); i++) {
                      sum.add(a.get(i).plus(b.get(i)));
                    }
                    return sum;
                  });
      Map<String, Totals> result = new LinkedHashMap<>();
      result.put(TEACHER, sums.get(0));
      for (int i = 0; i < names.size(); i++) {
        result.put(names.get(i), sums.get(i + 1));
      }
      return result;
    } finally {
      broadcast.destroy();
    }
  }

  private static Totals teacherTotals(int[] labels, float[] teacher, int rows, int classes) {
    long errors = 0;
    for (int i = 0; i < rows; i++) {
      if (argmax(teacher, i * classes, classes) != labels[i]) {
        errors++;
      }
    }
    return new Totals(rows, errors, rows, 0.0);
  }

  private static Totals modelTotals(
      MultiLayerNetwork net,
      INDArray features,
      int[] labels,
      float[] teacher,
      int rows,
      int classes) {
    INDArray out = net.output(features, false);
    if (out.size(1) != classes) {
      throw new IllegalArgumentException(
          "A model outputs " + out.size(1) + " logits per example, the teacher " + classes);
    }
    float[] z = out.castTo(DataType.FLOAT).data().asFloat();
    long errors = 0;
    long agreements = 0;
    double kl = 0;
    for (int i = 0; i < rows; i++) {
      int predicted = argmax(z, i * classes, classes);
      if (predicted != labels[i]) {
        errors++;
      }
      if (predicted >= 0 && predicted == argmax(teacher, i * classes, classes)) {
        agreements++;
      }
      kl += klDivergence(teacher, z, i * classes, classes);
    }
    return new Totals(rows, errors, agreements, kl);
  }

  static int argmax(float[] z, int from, int k) {
    return DistillationLabels.predictedClass(z, from, k);
  }

  /**
   * KL(softmax(teacher) ‖ softmax(model)) at T = 1 of one row, in double; NaN when the model's row
   * has NaN.
   */
  static double klDivergence(float[] teacher, float[] model, int from, int k) {
    double[] logP = DistillationLabels.logSoftmax(teacher, from, k, 1.0);
    double[] logQ = DistillationLabels.logSoftmax(model, from, k, 1.0);
    double kl = 0;
    for (int j = 0; j < k; j++) {
      double p = Math.exp(logP[j]);
      if (p > 0) {
        kl += p * (logP[j] - logQ[j]);
      }
    }
    return kl < 0 ? 0 : kl;
  }

  private static byte[] zip(MultiLayerNetwork net) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ModelSerializer.writeModel(net, out, false);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MultiLayerNetwork restore(byte[] zip) {
    try {
      return NetworkZips.restore(zip, "a student of this run", false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
