package io.distill.student;

import java.util.Arrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Measures a trained model on the test split, on the driver, and returns its {@link ModelMetrics} row.
 *
 * <h2>What is measured</h2>
 * <ul>
 *   <li><b>Errors and accuracy</b>: the predicted class is the argmax of the model's logits (its output layer is
 *       identity, so DL4J's {@code evaluate()}, which refuses identity outputs, is not used); errors are the examples
 *       whose prediction differs from the label; accuracy {@code 1 − errors / n}. A logit row containing NaN predicts
 *       no class: it counts as an error and as a disagreement. Ties go to the lowest class index.</li>
 *   <li><b>Teacher agreement</b>: the share of examples where the model's argmax equals the argmax of the test set's
 *       teacher logits.</li>
 *   <li><b>Mean KL to the teacher</b>: {@code (1/n) Σ_i Σ_k p_ik (log p_ik − log q_ik)} with {@code p = softmax}(teacher
 *       logits) and {@code q = softmax}(model logits), both at T = 1, in nats; computed in double precision from
 *       stable log-softmaxes ({@code z − max − log Σ exp(z − max)}), with {@code 0 · log 0 = 0} (terms whose teacher
 *       probability underflows to 0 are skipped). Rounding can make an example's value a hair below 0; it is
 *       clamped to 0.</li>
 *   <li><b>Parameters and bytes</b>: {@link LogitsModel#parameters()} and {@link LogitsModel#serializedBytes()}
 *       ({@code numParams()} and the length of the DL4J zip without updater state for a network).</li>
 *   <li><b>Latency</b>: {@link Builder#latencyWarmupCalls} untimed single-example calls, then
 *       {@link Builder#latencyCalls} single-example calls ({@code output(x_i, false)} on a {@code [1, d]} row, cycling
 *       through the test set), each timed with {@code System.nanoTime()}. p50 and p95 are <em>nearest-rank</em>
 *       percentiles: with the {@code N} times sorted ascending, the {@code p}-th percentile is the
 *       {@code ⌈p/100 · N⌉}-th smallest (so p50 of 1,000 calls is the 500th, p95 the 950th). Reported in ms.</li>
 *   <li><b>Throughput</b>: the test set split into batches of {@link Builder#throughputBatch} rows (the last may be
 *       smaller), one untimed warm-up pass over all of them, then {@link Builder#throughputPasses} timed passes;
 *       throughput = examples run / wall seconds of the timed passes.</li>
 * </ul>
 * Latency and throughput time the model's forward call only: rows and batches are copied out of the feature matrix
 * before the clock starts. They are measured <b>on the driver, with whatever ND4J/OpenMP threads the driver process
 * has</b> (this class changes no thread settings); compare timings only between models measured in the same process
 * on the same machine, and note {@code OMP_NUM_THREADS} and {@code OMP_WAIT_POLICY} beside them.
 *
 * <h2>Cost</h2>
 * For a test set of {@code n} examples: one inference pass at {@link Builder#evaluationBatch} rows per call, plus
 * {@code O(n·K)} double arithmetic for the argmaxes and KL; {@code latencyWarmupCalls + latencyCalls} single-example
 * calls (plus a copy of at most {@code latencyCalls} rows); {@code 1 + throughputPasses} passes at
 * {@code throughputBatch} (plus one copy of the features); one serialization of the network into a stream that only
 * counts bytes (nothing is written to disk). With the defaults that is about 4 inference passes over the test set
 * and 1,020 single-example calls. Nothing runs on Spark executors.
 *
 * <p>Immutable and reusable; build with {@link #builder()}. Every setter checks its value and says what it got. Not
 * for use from several threads on the same network.
 */
public final class ModelEvaluator {
  private final int latencyCalls;
  private final int latencyWarmupCalls;
  private final int throughputBatch;
  private final int throughputPasses;
  private final int evaluationBatch;

  private ModelEvaluator(Builder b) {
    this.latencyCalls = b.latencyCalls;
    this.latencyWarmupCalls = b.latencyWarmupCalls;
    this.throughputBatch = b.throughputBatch;
    this.throughputPasses = b.throughputPasses;
    this.evaluationBatch = b.evaluationBatch;
  }

  /** Settings with defaults: 1,000 latency calls after 20 warm-up calls, throughput at batch 256 over 1 pass,
   * evaluation at batch 1,024. */
  public static Builder builder() {
    return new Builder();
  }

  /** An evaluator with the default settings. */
  public static ModelEvaluator defaults() {
    return builder().build();
  }

  /**
   * Evaluates a multi-layer network in one call with the default settings but the given latency calls and throughput
   * batch.
   *
   * @see #evaluate(ModelDescription, LogitsModel, TestSet)
   */
  public static ModelMetrics evaluate(String model, String role, String size, double temperature, double alpha,
      MultiLayerNetwork net, TestSet test, double trainingSeconds, int epochs, int latencyCalls,
      int throughputBatch) {
    return builder().latencyCalls(latencyCalls).throughputBatch(throughputBatch).build()
        .evaluate(new ModelDescription(model, role, size, temperature, alpha, trainingSeconds, epochs),
            LogitsModel.of(net), test);
  }

  /** Evaluates a multi-layer network. */
  public ModelMetrics evaluate(ModelDescription description, MultiLayerNetwork net, TestSet test) {
    return evaluate(description, LogitsModel.of(net), test);
  }

  /**
   * Measures {@code model} on {@code test} (see the class comment).
   *
   * @param description the descriptive columns of the row
   * @param model       the model; its logits must have as many columns as the teacher logits
   * @param test        the test split, with teacher logits
   * @throws IllegalArgumentException if an argument is null, the test set has no teacher logits, the model's input
   *                                  width (when known) is not the test set's, the model's number of outputs is not
   *                                  the teacher's, or a label is not below that number
   */
  public ModelMetrics evaluate(ModelDescription description, LogitsModel model, TestSet test) {
    if (description == null || model == null || test == null) {
      throw new IllegalArgumentException("ModelEvaluator: description, model and test set must not be null");
    }
    String name = description.model();
    if (!test.hasTeacherLogits()) {
      throw new IllegalArgumentException("ModelEvaluator: cannot evaluate " + name + ": the test set has no teacher"
          + " logits (give them with TestSet.withTeacherLogits before evaluating)");
    }
    if (model.inputSize() >= 0 && model.inputSize() != test.inputWidth()) {
      throw new IllegalArgumentException("ModelEvaluator: cannot evaluate " + name + ": the network takes "
          + model.inputSize() + " input features, the test set has " + test.inputWidth());
    }
    int classes = test.numClasses();
    for (int i = 0; i < test.size(); i++) {
      if (test.label(i) >= classes) {
        throw new IllegalArgumentException("ModelEvaluator: cannot evaluate " + name + ": example id " + test.id(i)
            + " has label " + test.label(i) + ", outside the teacher's " + classes + " classes [0, " + classes + ")");
      }
    }
    INDArray x = model.inputType() == null || model.inputType() == DataType.FLOAT
        ? test.features() : test.features().castTo(model.inputType());

    Quality quality = quality(name, model, x, test);
    double[] latency = latencyMillis(model, x);
    double throughput = throughput(model, x);
    long bytes = model.serializedBytes();
    long n = test.size();
    return new ModelMetrics(name, description.role(), description.size(), description.temperature(),
        description.alpha(), model.parameters(), bytes, n, quality.errors, 1.0 - (double) quality.errors / n,
        (double) quality.agreements / n, quality.klSum / n, latency[0], latency[1], throughput,
        description.trainingSeconds(), description.epochs());
  }

  /** Single-example calls timed. */
  public int latencyCalls() {
    return latencyCalls;
  }

  /** Untimed single-example calls before the timed ones. */
  public int latencyWarmupCalls() {
    return latencyWarmupCalls;
  }

  /** Rows per call when measuring throughput. */
  public int throughputBatch() {
    return throughputBatch;
  }

  /** Timed passes over the test set when measuring throughput. */
  public int throughputPasses() {
    return throughputPasses;
  }

  /** Rows per call when computing accuracy, agreement and KL. */
  public int evaluationBatch() {
    return evaluationBatch;
  }

  @Override
  public String toString() {
    return "latencyCalls=" + latencyCalls + ", latencyWarmupCalls=" + latencyWarmupCalls + ", throughputBatch="
        + throughputBatch + ", throughputPasses=" + throughputPasses + ", evaluationBatch=" + evaluationBatch;
  }

  private record Quality(long errors, long agreements, double klSum) {
  }

  private Quality quality(String name, LogitsModel model, INDArray x, TestSet test) {
    float[][] teacher = test.teacherLogits().toFloatMatrix();
    int n = test.size();
    long errors = 0;
    long agreements = 0;
    double klSum = 0;
    for (int from = 0; from < n; from += evaluationBatch) {
      int to = Math.min(n, from + evaluationBatch);
      INDArray out = model.logits(x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
      if (out.size(1) != teacher[0].length) {
        throw new IllegalArgumentException("ModelEvaluator: cannot evaluate " + name + ": the model outputs "
            + out.size(1) + " logits per example, the teacher logits have " + teacher[0].length);
      }
      float[][] z = (out.dataType() == DataType.FLOAT ? out : out.castTo(DataType.FLOAT)).toFloatMatrix();
      for (int r = 0; r < z.length; r++) {
        int i = from + r;
        int predicted = argmax(z[r]);
        if (predicted != test.label(i)) {
          errors++;
        }
        if (predicted >= 0 && predicted == argmax(teacher[i])) {
          agreements++;
        }
        klSum += klDivergence(teacher[i], z[r]);
      }
    }
    return new Quality(errors, agreements, klSum);
  }

  private double[] latencyMillis(LogitsModel model, INDArray x) {
    int n = (int) x.size(0);
    INDArray[] rows = new INDArray[Math.min(n, latencyCalls)];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = x.getRow(i, true).dup('c');
    }
    double sink = 0;
    for (int i = 0; i < latencyWarmupCalls; i++) {
      sink += model.forward(rows[i % rows.length]).getDouble(0);
    }
    long[] nanos = new long[latencyCalls];
    for (int i = 0; i < latencyCalls; i++) {
      INDArray row = rows[i % rows.length];
      long start = System.nanoTime();
      INDArray out = model.forward(row);
      nanos[i] = System.nanoTime() - start;
      sink += out.getDouble(0);
    }
    Blackhole.consume(sink);
    Arrays.sort(nanos);
    return new double[] {nearestRank(nanos, 50) / 1e6, nearestRank(nanos, 95) / 1e6};
  }

  private double throughput(LogitsModel model, INDArray x) {
    int n = (int) x.size(0);
    INDArray[] batches = new INDArray[(n + throughputBatch - 1) / throughputBatch];
    for (int b = 0; b < batches.length; b++) {
      int from = b * throughputBatch;
      batches[b] = x.get(NDArrayIndex.interval(from, Math.min(n, from + throughputBatch)), NDArrayIndex.all())
          .dup('c');
    }
    double sink = 0;
    for (INDArray batch : batches) {
      sink += model.forward(batch).getDouble(0);
    }
    long nanos = 0;
    for (int pass = 0; pass < throughputPasses; pass++) {
      for (INDArray batch : batches) {
        long start = System.nanoTime();
        INDArray out = model.forward(batch);
        nanos += System.nanoTime() - start;
        sink += out.getDouble(0);
      }
    }
    Blackhole.consume(sink);
    return (double) n * throughputPasses / (Math.max(nanos, 1) / 1e9);
  }

  /**
   * The {@code p}-th nearest-rank percentile of ascending {@code sorted}: the {@code ⌈p/100 · N⌉}-th smallest
   * (1-based), at least the smallest.
   */
  static long nearestRank(long[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(1, Math.min(sorted.length, rank)) - 1];
  }

  /** Index of the largest value, the lowest on ties; -1 if the row contains NaN. */
  static int argmax(float[] z) {
    int best = 0;
    for (int k = 0; k < z.length; k++) {
      if (Float.isNaN(z[k])) {
        return -1;
      }
      if (z[k] > z[best]) {
        best = k;
      }
    }
    return best;
  }

  /**
   * KL(softmax(teacher) ‖ softmax(model)) in nats, in double precision from stable log-softmaxes, skipping classes
   * whose teacher probability is 0; clamped at 0 from below; NaN if the model's logits contain NaN.
   */
  static double klDivergence(float[] teacher, float[] model) {
    double[] logP = logSoftmax(teacher);
    double[] logQ = logSoftmax(model);
    double kl = 0;
    for (int k = 0; k < logP.length; k++) {
      double p = Math.exp(logP[k]);
      if (p > 0) {
        kl += p * (logP[k] - logQ[k]);
      }
    }
    return kl < 0 ? 0 : kl;
  }

  /** Row log-softmax {@code z − max − log Σ exp(z − max)} in double. */
  static double[] logSoftmax(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Double.isNaN(v) ? Double.NaN : Math.max(max, v);
    }
    double sum = 0;
    for (float v : z) {
      sum += Math.exp(v - max);
    }
    double logSum = Math.log(sum);
    double[] out = new double[z.length];
    for (int k = 0; k < z.length; k++) {
      out[k] = z[k] - max - logSum;
    }
    return out;
  }

  /** Keeps results of timed calls observably used. */
  private static final class Blackhole {
    static volatile double value;

    static void consume(double v) {
      value = v;
    }
  }

  /** Settings of a {@link ModelEvaluator}, with defaults; every setter checks its value. */
  public static final class Builder {
    private int latencyCalls = 1000;
    private int latencyWarmupCalls = 20;
    private int throughputBatch = 256;
    private int throughputPasses = 1;
    private int evaluationBatch = 1024;

    private Builder() {}

    /** Timed single-example calls, at least 200 (so p95 rests on at least 10 calls above it); default 1,000. */
    public Builder latencyCalls(int value) {
      this.latencyCalls = atLeast("latencyCalls", value, 200);
      return this;
    }

    /** Untimed single-example calls first, at least 0; default 20. */
    public Builder latencyWarmupCalls(int value) {
      this.latencyWarmupCalls = atLeast("latencyWarmupCalls", value, 0);
      return this;
    }

    /** Rows per call for throughput, at least 1; default 256. */
    public Builder throughputBatch(int value) {
      this.throughputBatch = atLeast("throughputBatch", value, 1);
      return this;
    }

    /** Timed passes over the test set for throughput, at least 1; default 1. */
    public Builder throughputPasses(int value) {
      this.throughputPasses = atLeast("throughputPasses", value, 1);
      return this;
    }

    /** Rows per call for accuracy, agreement and KL, at least 1; default 1,024. */
    public Builder evaluationBatch(int value) {
      this.evaluationBatch = atLeast("evaluationBatch", value, 1);
      return this;
    }

    public ModelEvaluator build() {
      return new ModelEvaluator(this);
    }

    private static int atLeast(String name, int value, int min) {
      if (value < min) {
        throw new IllegalArgumentException(name + " must be at least " + min + ", cannot be: " + value);
      }
      return value;
    }
  }
}
