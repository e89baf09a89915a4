package io.distill.bench;

import io.distill.dataset.ValidationSplit;
import io.distill.losses.DistillationLoss;
import io.distill.student.StudentNetworks;
import io.distill.trainer.EpochStats;
import io.distill.trainer.Nd4jThreads;
import io.distill.trainer.Optimiser;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TrainingData;
import io.distill.trainer.TrainingResult;
import io.distill.trainer.TrainingSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trainer throughput against the best bare DL4J fit on the same cores: 784-800-800-10 (Adam 1e-3)
 * on full MNIST's training rows (5,000 held out for validation), at minibatch 64 and 128. The bare
 * fit runs in this JVM as one stream with 2 ND4J threads and as 2 independent streams of 1 thread
 * (each its own network), warm-up then the median of 3; the Spark trainer runs with 2 workers
 * ({@code local[2]}, 1 thread per task) at several averaging periods, its examples/s taken over the
 * rounds of its last epoch; the final validation accuracy of each Spark run is reported beside that
 * of a single-JVM fit of the same epochs. GEMM peak measured in the same run. Run by bench/trainer:
 *
 * <pre>
 * spark-submit --master 'local[2]' --class io.distill.bench.TrainerBenchmark --jars distill-job.jar \
 *     distill-bench.jar DATA_DIR REPORT.md [EPOCHS] [PERIODS]
 * </pre>
 */
public final class TrainerBenchmark {
  private static final int[] BATCHES = {64, 128};

  private TrainerBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: TrainerBenchmark DATA_DIR REPORT.md [EPOCHS] [PERIODS, e.g. 5,20,50]");
      System.exit(2);
    }
    int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int[] periods =
        Arrays.stream((args.length > 3 ? args[3] : "5,20,50").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    SparkSession spark = SparkSession.builder().appName("distill: trainer benchmark").getOrCreate();
    Dataset<Row> train = spark.read().parquet(args[0] + "/train");
    ValidationSplit split = ValidationSplit.compute(train, args[0] + "/train", 5000, 1);
    MultiLayerConfiguration conf =
        StudentNetworks.mlp(
            784,
            new int[] {800, 800},
            10,
            1,
            1,
            Optimiser.adam(1e-3, 1),
            DistillationLoss.hardLabelsOnly(),
            1);
    double flopsPerExample =
        6.0 * (784 * 800 + 800 * 800 + 800 * 10); // forward 2, backward 4 per weight

    List<Row> sample = split.training(train).limit(8192).collectAsList();
    double gemm = BareLoops.gemmPeak(1024, 2);
    StringBuilder md = new StringBuilder("## Trainer: Spark against the best bare DL4J fit\n\n");
    md.append(
            "784-800-800-10 MLP (ReLU, Adam 1e-3, logits + DistillationLoss α=1) on full MNIST's training split"
                + " less 5,000 validation rows (55,000 rows). Bare fit: this JVM, the same network and minibatch, as 1 stream"
                + " × 2 ND4J threads and as 2 streams × 1 thread (each its own network), warm-up then the median of 3 timed"
                + " runs of 200 minibatches per stream. Spark: `local[2]`, 2 workers × 1 ND4J thread, examples/s over the"
                + " training rounds of the last of ")
        .append(epochs)
        .append(
            " epochs (validation excluded); validation"
                + " accuracy after the last epoch, beside a single-JVM fit of the same epochs (1 stream × 2 threads, shuffled"
                + " minibatches). ND4J float GEMM peak this run: ")
        .append(String.format("%.1f", gemm))
        .append(
            " GFLOP/s (2 threads, 1024³, best of 5); fit GFLOP/s = 6 × weights × examples/s.\n\n");
    md.append("Command: `bench/trainer` (").append(BenchmarkReport.machine()).append(")\n\n");
    md.append(
        "| minibatch | setup | examples/s | ratio to the best bare | GFLOP/s | share of GEMM | validation accuracy"
            + " |\n|---:|---|---:|---:|---:|---:|---:|\n");

    try (TrainingData packed =
            TrainingData.pack(spark)
                .rows(split.training(train), "mnist/train (training rows)")
                .features(784)
                .classes(10)
                .workers(2)
                .execute();
        TrainingData valid =
            TrainingData.pack(spark)
                .rows(split.validation(train), "mnist/train (validation rows)")
                .features(784)
                .classes(10)
                .workers(2)
                .execute()) {
      for (int batch : BATCHES) {
        List<DataSet> minibatches = minibatches(sample, batch);
        IntFunction<BareLoops.Stream> fit =
            s -> {
              MultiLayerNetwork net = new MultiLayerNetwork(conf.clone());
              net.init();
              return units ->
                  () -> {
                    for (int i = 0; i < units; i++) {
                      net.fit(minibatches.get((i + 31 * s) % minibatches.size()));
                    }
                  };
            };
        double oneByTwo = batch * BareLoops.rate(fit, 1, 2, 200, 30, 3);
        double twoByOne = batch * BareLoops.rate(fit, 2, 1, 200, 30, 3);
        double best = Math.max(oneByTwo, twoByOne);
        double localAccuracy = localFit(conf, packed, valid, batch, epochs);
        md.append(
            row(
                batch,
                "bare, 1 stream × 2 threads",
                oneByTwo,
                best,
                flopsPerExample,
                gemm,
                String.format("%.2f %%", 100 * localAccuracy)));
        md.append(
            row(batch, "bare, 2 streams × 1 thread", twoByOne, best, flopsPerExample, gemm, ""));
        for (int period : periods) {
          TrainingResult r =
              SparkTrainer.of(spark)
                  .name("bench-" + batch + "-" + period)
                  .network(conf)
                  .trainingData(packed)
                  .validationData(valid)
                  .settings(
                      TrainingSettings.builder()
                          .epochs(epochs)
                          .batchSizePerWorker(batch)
                          .averagingPeriod(period)
                          .threadsPerTask(1)
                          .seed(1)
                          .build())
                  .execute();
          EpochStats last = r.lastEpoch();
          md.append(
              row(
                  batch,
                  "**Spark, 2 workers, averaging every " + period + "**",
                  last.examplesPerSecond(),
                  best,
                  flopsPerExample,
                  gemm,
                  String.format("%.2f %%", 100 * last.validationAccuracy())));
        }
      }
    }
    System.out.println(md);
    BenchmarkReport.writeSection(Path.of(args[1]), "trainer", md.toString());
    spark.stop();
  }

  private static String row(
      int batch,
      String setup,
      double rate,
      double best,
      double flops,
      double gemm,
      String accuracy) {
    double gflops = rate * flops / 1e9;
    return String.format(
        "| %d | %s | %,.0f | %.2f | %.1f | %.0f %% | %s |%n",
        batch, setup, rate, rate / best, gflops, 100 * gflops / gemm, accuracy);
  }

  /**
   * The validation accuracy of a single-JVM fit (2 threads) of the packed rows, in shuffled
   * minibatches.
   */
  private static double localFit(
      MultiLayerConfiguration conf,
      TrainingData packed,
      TrainingData valid,
      int batch,
      int epochs) {
    List<DataSet> all = Minibatches.of(packed, batch);
    Nd4jThreads.limit(2);
    MultiLayerNetwork net = new MultiLayerNetwork(conf.clone());
    net.init();
    Random random = new Random(1);
    for (int e = 0; e < epochs; e++) {
      Collections.shuffle(all, random);
      for (DataSet d : all) {
        net.fit(d);
      }
    }
    long correct = 0;
    long n = 0;
    for (DataSet d : Minibatches.of(valid, 1024)) {
      var predicted = net.output(d.getFeatures(), false).argMax(1);
      var labels = d.getLabels().argMax(1);
      for (int i = 0; i < d.numExamples(); i++) {
        correct += predicted.getInt(i) == labels.getInt(i) ? 1 : 0;
      }
      n += d.numExamples();
    }
    return (double) correct / n;
  }

  private static List<DataSet> minibatches(List<Row> rows, int batch) {
    List<DataSet> out = new ArrayList<>();
    for (int from = 0; from + batch <= rows.size(); from += batch) {
      float[][] x = new float[batch][784];
      float[][] y = new float[batch][10];
      for (int i = 0; i < batch; i++) {
        List<Float> f = rows.get(from + i).getList(1);
        for (int j = 0; j < 784; j++) {
          x[i][j] = f.get(j);
        }
        y[i][rows.get(from + i).getInt(2)] = 1f;
      }
      out.add(new DataSet(Nd4j.create(x), Nd4j.create(y)));
    }
    return out;
  }
}
