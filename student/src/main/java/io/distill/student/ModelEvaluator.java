package io.distill.student;

import io.distill.core.Checks;
import io.distill.trainer.Nd4jThreads;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Puts one model's {@link ModelMetrics} row together: its test-split scores (computed on the
 * executors by {@link TestScores}), its size, and its speed measured here, in the driver JVM, on a
 * bounded sample of test rows.
 *
 * <h2>Speed</h2>
 *
 * Timed with ND4J limited to {@link Builder#threads} thread(s) (default 1, so that models are
 * compared on equal terms whatever else the machine runs), after warm-up, as medians over repeats:
 *
 * <ul>
 *   <li><b>Latency</b>: {@link Builder#latencyWarmupCalls} untimed single-example calls, then
 *       {@link Builder#latencyCalls} single-example calls ({@code [1, d]} rows cycling through the
 *       sample), each timed with {@code System.nanoTime()}. p50 and p95 are <em>nearest-rank</em>
 *       percentiles (the {@code ⌈p/100 · N⌉}-th smallest). Reported in ms.
 *   <li><b>Throughput</b>: the sample cut into batches of {@link Builder#throughputBatch} rows; one
 *       untimed pass, then {@link Builder#repeats} timed passes; throughput is the <em>median</em>
 *       pass's examples per second.
 * </ul>
 *
 * Rows are copied out before the clock starts; only the model's forward call is timed.
 *
 * <h2>Cost</h2>
 *
 * {@code latencyWarmupCalls + latencyCalls} single-example calls and {@code 1 + repeats} passes
 * over the sample; one serialization of the network into a counting stream (nothing is written).
 * Immutable; build with {@link #builder()}; every setter checks its value and says what it got.
 */
public final class ModelEvaluator {
  /** Default timed single-example calls per model. */
  public static final int DEFAULT_LATENCY_CALLS = 200;

  /** Default batch of the throughput measurement. */
  public static final int DEFAULT_THROUGHPUT_BATCH = 256;

  private final int latencyCalls;
  private final int latencyWarmupCalls;
  private final int throughputBatch;
  private final int repeats;
  private final int threads;

  private ModelEvaluator(Builder b) {
    this.latencyCalls = b.latencyCalls;
    this.latencyWarmupCalls = b.latencyWarmupCalls;
    this.throughputBatch = b.throughputBatch;
    this.repeats = b.repeats;
    this.threads = b.threads;
  }

  /**
   * Defaults: 1,000 latency calls after 50 warm-up calls, throughput at batch 256, median of 5, 1
   * thread.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A model's speed on the sample. */
  public record Speed(
      double latencyP50Millis, double latencyP95Millis, double throughputPerSecond) {}

  /**
   * The metrics row of a model.
   *
   * @param scores its test-split sums from {@link TestScores}
   * @param sample test rows {@code [n, d]} to time the model on (a bounded sample, e.g. 1,024 rows)
   */
  public ModelMetrics evaluate(
      ModelDescription description, LogitsModel model, TestScores.Totals scores, INDArray sample) {
    if (description == null || model == null || scores == null || sample == null) {
      throw new IllegalArgumentException(
          "ModelEvaluator: description, model, scores and sample must not be null");
    }
    if (model.inputSize() >= 0 && model.inputSize() != sample.size(1)) {
      throw new IllegalArgumentException(
          "ModelEvaluator: cannot evaluate "
              + description.model()
              + ": the network"
              + " takes "
              + model.inputSize()
              + " input features, the test rows have "
              + sample.size(1));
    }
    Speed speed = speed(model, sample);
    long n = scores.examples();
    return new ModelMetrics(
        description.model(),
        description.role(),
        description.size(),
        description.temperature(),
        description.alpha(),
        model.parameters(),
        model.serializedBytes(),
        model.forwardFlops(sample.size(1)),
        n,
        scores.errors(),
        1.0 - (double) scores.errors() / n,
        (double) scores.agreements() / n,
        scores.klSum() / n,
        speed.latencyP50Millis(),
        speed.latencyP95Millis(),
        speed.throughputPerSecond(),
        description.trainingSeconds(),
        description.epochs(),
        null,
        null);
  }

  /** Latency and throughput of {@code model} on {@code sample} (see the class comment). */
  public Speed speed(LogitsModel model, INDArray sample) {
    INDArray x =
        model.inputType() == null || model.inputType() == sample.dataType()
            ? sample
            : sample.castTo(model.inputType());
    Nd4jThreads.limit(threads);
    double[] latency = latencyMillis(model, x);
    return new Speed(latency[0], latency[1], throughput(model, x));
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
      batches[b] =
          x.get(
                  NDArrayIndex.interval(from, Math.min(n, from + throughputBatch)),
                  NDArrayIndex.all())
              .dup('c');
    }
    double sink = 0;
    for (INDArray batch : batches) {
      sink += model.forward(batch).getDouble(0);
    }
    double[] rates = new double[repeats];
    for (int pass = 0; pass < repeats; pass++) {
      long start = System.nanoTime();
      for (INDArray batch : batches) {
        sink += model.forward(batch).getDouble(0);
      }
      rates[pass] = n / (Math.max(System.nanoTime() - start, 1) / 1e9);
    }
    Blackhole.consume(sink);
    Arrays.sort(rates);
    return rates[repeats / 2];
  }

  /**
   * The {@code p}-th nearest-rank percentile of ascending {@code sorted}: the {@code ⌈p/100 ·
   * N⌉}-th smallest.
   */
  static long nearestRank(long[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(1, Math.min(sorted.length, rank)) - 1];
  }

  /** A FLOAT matrix of feature rows, for {@link #evaluate}'s sample. */
  public static INDArray sample(float[][] rows) {
    return Nd4j.create(rows).castTo(DataType.FLOAT);
  }

  @Override
  public String toString() {
    return "latencyCalls="
        + latencyCalls
        + ", latencyWarmupCalls="
        + latencyWarmupCalls
        + ", throughputBatch="
        + throughputBatch
        + ", repeats="
        + repeats
        + ", threads="
        + threads;
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
    private int latencyCalls = DEFAULT_LATENCY_CALLS;
    private int latencyWarmupCalls = 50;
    private int throughputBatch = DEFAULT_THROUGHPUT_BATCH;
    private int repeats = 5;
    private int threads = 1;

    private Builder() {}

    /**
     * Timed single-example calls, at least 200 (so p95 rests on at least 10 calls above it);
     * default {@value #DEFAULT_LATENCY_CALLS}.
     */
    public Builder latencyCalls(int value) {
      this.latencyCalls = atLeast("latencyCalls", value, 200);
      return this;
    }

    /** Untimed single-example calls first, at least 0; default 50. */
    public Builder latencyWarmupCalls(int value) {
      this.latencyWarmupCalls = atLeast("latencyWarmupCalls", value, 0);
      return this;
    }

    /** Rows per call for throughput, at least 1; default 256. */
    public Builder throughputBatch(int value) {
      this.throughputBatch = atLeast("throughputBatch", value, 1);
      return this;
    }

    /**
     * Timed passes over the sample for throughput, whose median is reported; at least 1, default 5.
     */
    public Builder repeats(int value) {
      this.repeats = atLeast("repeats", value, 1);
      return this;
    }

    /** ND4J threads while timing, at least 1; default 1. */
    public Builder threads(int value) {
      this.threads = atLeast("threads", value, 1);
      return this;
    }

    public ModelEvaluator build() {
      return new ModelEvaluator(this);
    }

    private static int atLeast(String name, int value, int min) {
      return Checks.atLeast(name, value, min);
    }
  }
}
