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
import java.util.Collections;
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
 * 0), not run again. In the same pass, for each pair of models asked for (a distilled student and
 * its baseline), the rows only one of the two gets right ({@link PairedComparison}).
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

  /** The scores of one pass: each model's sums, and the paired counts of the pairs asked for. */
  public record Scores(Map<String, Totals> totals, Map<String, PairedComparison> paired) {
    public Scores {
      totals = Collections.unmodifiableMap(new LinkedHashMap<>(totals));
      paired = Collections.unmodifiableMap(new LinkedHashMap<>(paired));
    }
  }

  /** One batch's (or many batches') sums: per model, then two counts per pair. */
  private record Sums(List<Totals> totals, long[] pairCounts) implements Serializable {
    Sums plus(Sums o) {
      List<Totals> sum = new ArrayList<>();
      for (int i = 0; i < totals.size(); i++) {
        sum.add(totals.get(i).plus(o.totals.get(i)));
      }
      long[] counts = pairCounts.clone();
      for (int i = 0; i < counts.length; i++) {
        counts[i] += o.pairCounts[i];
      }
      return new Sums(sum, counts);
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
    return of(spark, test, models, Map.of(), threads).totals();
  }

  /**
   * {@link #of(SparkSession, TrainingData, Map, int)}, and for each entry of {@code pairs} (a
   * distilled student's name → its baseline's, both in {@code models}) the rows only one of the two
   * gets right, keyed by the distilled student's name.
   */
  public static Scores of(
      SparkSession spark,
      TrainingData test,
      Map<String, MultiLayerNetwork> models,
      Map<String, String> pairs,
      int threads) {
    if (!test.teacher().present()) {
      throw new IllegalArgumentException(
          "Cannot score models on " + test.name() + ": it has no teacher logits");
    }
    List<String> names = new ArrayList<>(models.keySet());
    List<String> paired = new ArrayList<>(pairs.keySet());
    int[] pairIndex = new int[2 * paired.size()];
    for (int p = 0; p < paired.size(); p++) {
      String distilled = paired.get(p);
      String baseline = pairs.get(distilled);
      pairIndex[2 * p] = names.indexOf(distilled);
      pairIndex[2 * p + 1] = names.indexOf(baseline);
      if (pairIndex[2 * p] < 0 || pairIndex[2 * p + 1] < 0) {
        throw new IllegalArgumentException(
            "Cannot compare "
                + distilled
                + " with "
                + baseline
                + " on "
                + test.name()
                + ": both must be among the models scored, "
                + names);
      }
    }
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
      EvaluationBlocks.Scorer<Sums> scorer =
          () -> {
            Nd4jThreads.limit(threads);
            List<MultiLayerNetwork> nets = new ArrayList<>();
            for (byte[] zip : broadcast.value()) {
              nets.add(restore(zip));
            }
            return batch -> {
              List<Totals> out = new ArrayList<>();
              out.add(teacherTotals(batch.labels(), batch.teacherLogits(), batch.rows(), classes));
              boolean[][] right = new boolean[nets.size()][];
              for (int m = 0; m < nets.size(); m++) {
                right[m] = new boolean[batch.rows()];
                out.add(
                    modelTotals(
                        nets.get(m),
                        batch.features(),
                        batch.labels(),
                        batch.teacherLogits(),
                        batch.rows(),
                        classes,
                        right[m]));
              }
              long[] counts = new long[pairIndex.length];
              for (int p = 0; p < pairIndex.length; p += 2) {
                boolean[] a = right[pairIndex[p]];
                boolean[] b = right[pairIndex[p + 1]];
                for (int i = 0; i < batch.rows(); i++) {
                  if (a[i] && !b[i]) {
                    counts[p]++;
                  } else if (b[i] && !a[i]) {
                    counts[p + 1]++;
                  }
                }
              }
              return new Sums(out, counts);
            };
          };
      Sums sums = EvaluationBlocks.map(test, scorer, BATCH).reduce(Sums::plus);
      Map<String, Totals> result = new LinkedHashMap<>();
      result.put(TEACHER, sums.totals().get(0));
      for (int i = 0; i < names.size(); i++) {
        result.put(names.get(i), sums.totals().get(i + 1));
      }
      Map<String, PairedComparison> comparisons = new LinkedHashMap<>();
      for (int p = 0; p < paired.size(); p++) {
        comparisons.put(
            paired.get(p),
            new PairedComparison(sums.pairCounts()[2 * p], sums.pairCounts()[2 * p + 1]));
      }
      return new Scores(result, comparisons);
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
      int classes,
      boolean[] right) {
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
      right[i] = predicted == labels[i];
      if (!right[i]) {
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
