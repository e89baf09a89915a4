package io.distill.bench;

import io.distill.losses.DistillationLoss;
import io.distill.trainer.EpochStats;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TrainingResult;
import io.distill.trainer.TrainingSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains one MLP (784-800-800-10, Hinton's big student) on an imported dataset with 1 and with 2 workers and
 * writes examples/s, their ratio and the final validation accuracy to docs/BENCHMARKS.md. Run by bench/trainer:
 *
 * <pre>
 * spark-submit --master 'local[2]' --class io.distill.jobs.bench.TrainerBenchmark distill-job.jar DATA EPOCHS REPORT
 * </pre>
 */
public final class TrainerBenchmark {
  private TrainerBenchmark() {}

  private record Setup(String label, int workers, int threads) {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: TrainerBenchmark DATA_DIR EPOCHS REPORT.md");
      System.exit(2);
    }
    String data = args[0];
    int epochs = Integer.parseInt(args[1]);
    Path report = Path.of(args[2]);
    SparkSession spark = SparkSession.builder().appName("distill: trainer benchmark").getOrCreate();
    Dataset<Row> train = spark.read().parquet(data + "/train");
    Dataset<Row> test = spark.read().parquet(data + "/test");
    long rows = train.count();

    List<Setup> setups = List.of(new Setup("1 worker, 1 thread", 1, 1), new Setup("1 worker, 2 threads", 1, 2),
        new Setup("2 workers, 1 thread each", 2, 1));
    List<TrainingResult> results = new ArrayList<>();
    for (Setup setup : setups) {
      results.add(SparkTrainer.of(spark)
          .name("bench-" + setup.workers() + "w" + setup.threads() + "t")
          .network(mlp())
          .trainingData(train, data + "/train")
          .validationData(test, data + "/test")
          .settings(TrainingSettings.builder().epochs(epochs).workers(setup.workers())
              .threadsPerTask(setup.threads()).batchSizePerWorker(64).averagingPeriod(10).seed(1).build())
          .execute());
    }
    double base = examplesPerSecond(results.get(0));
    StringBuilder md = new StringBuilder();
    md.append("## Trainer: 1 vs 2 workers\n\n")
        .append("784-800-800-10 MLP (ReLU, Adam 1e-3, logits + DistillationLoss α=1), ").append(rows)
        .append(" training rows, ").append(epochs).append(" epochs, minibatch 64 per worker, averaging every 10")
        .append(" minibatches, Spark `local[2]`. Examples/s is the mean over epochs after the first (training")
        .append(" rounds only, validation excluded).\n\n")
        .append("Command: `bench/trainer` (").append(BenchmarkReport.machine()).append(")\n\n")
        .append("| setup | examples/s | ratio to 1 worker × 1 thread | final validation accuracy | wall s |\n")
        .append("|---|---:|---:|---:|---:|\n");
    for (int i = 0; i < setups.size(); i++) {
      TrainingResult r = results.get(i);
      md.append(String.format("| %s | %,.0f | %.2f | %.2f %% | %.0f |%n", setups.get(i).label(),
          examplesPerSecond(r), examplesPerSecond(r) / base, 100 * r.lastEpoch().validationAccuracy(), r.seconds()));
    }
    md.append(String.format("%n2 workers vs 1 worker with the same 2 cores (1 × 2 threads): %.2f×.%n",
        examplesPerSecond(results.get(2)) / examplesPerSecond(results.get(1))));
    System.out.println(md);
    BenchmarkReport.writeSection(report, "trainer", md.toString());
    spark.stop();
  }

  private static double examplesPerSecond(TrainingResult r) {
    List<EpochStats> h = r.history();
    List<EpochStats> steady = h.size() > 1 ? h.subList(1, h.size()) : h;
    return steady.stream().mapToDouble(EpochStats::examplesPerSecond).average().orElse(Double.NaN);
  }

  static MultiLayerConfiguration mlp() {
    return new NeuralNetConfiguration.Builder()
        .seed(1)
        .updater(new Adam(1e-3))
        .weightInit(WeightInit.RELU)
        .list()
        .layer(new DenseLayer.Builder().nIn(784).nOut(800).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nIn(800).nOut(800).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder().nIn(800).nOut(10).activation(Activation.IDENTITY)
            .lossFunction(DistillationLoss.hardLabelsOnly()).build())
        .build();
  }
}
