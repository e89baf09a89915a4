package io.distill.bench;

import io.distill.dataset.DatasetSchema;
import io.distill.dataset.RowChecks;
import io.distill.losses.DistillationLabels;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherModelFile;
import io.distill.teacher.TeacherNetworks;
import io.distill.trainer.HostArrays;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Soft-label throughput on full MNIST (train + test, 70,000 rows), end to end, against the best a
 * bare JVM does with the same teacher on the same cores: the Spark job ({@code local[2]}, 2 tasks ×
 * 1 ND4J thread; median of 3 runs) vs a bare loop over the same rows in memory as 1 stream × 2 ND4J
 * threads and as 2 streams × 1 thread (each its own teacher; warm-up, median of 3), at batch 256
 * and 1024; the teacher's GFLOP/s (2 × parameters × rows/s) against ND4J's float GEMM peak measured
 * in the same run; where the Spark job's time goes (a pass that reads and checks the rows into
 * minibatch buffers without the teacher); optionally a larger dataset (e.g. bench/scale's 700 k
 * rows); and bytes per row of the output, full and top-3. Run by bench/soft-labels:
 *
 * <pre>
 * spark-submit --master 'local[2]' --class io.distill.bench.SoftLabelBenchmark --jars distill-job.jar \
 *     distill-bench.jar DATA TEACHER.zip WORK REPORT.md [LARGE_DATA]
 * </pre>
 *
 * A missing TEACHER.zip is created as Hinton et al.'s 784-1200-1200-10 with its initial weights
 * (speed does not depend on them).
 */
public final class SoftLabelBenchmark {
  private static final int[] BATCHES = {256, 1024};
  private static final double T = 4.0;
  private static final int REPEATS = 3;

  private SoftLabelBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4 && args.length != 5) {
      System.err.println(
          "usage: SoftLabelBenchmark DATA_DIR TEACHER.zip WORK_DIR REPORT.md [LARGE_DATA]");
      System.exit(2);
    }
    String data = args[0];
    String teacherPath = args[1];
    String work = args[2];
    SparkSession spark =
        SparkSession.builder().appName("distill: soft-label benchmark").getOrCreate();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    boolean untrained = !new File(teacherPath).exists();
    if (untrained) {
      MultiLayerNetwork net = new MultiLayerNetwork(TeacherNetworks.hintonMnist(1));
      net.init();
      ModelSerializer.writeModel(net, new File(teacherPath), false);
    }
    String all = work + "/mnist-all";
    spark
        .read()
        .parquet(data + "/train")
        .unionByName(
            spark
                .read()
                .parquet(data + "/test")
                .selectExpr("id + 60000 AS id", "features", "label"))
        .repartition(2)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(all);

    // Warm-up (JIT, native library, the executor's teacher), then the measured runs.
    SoftLabelAction.of(spark)
        .teacher(teacherPath)
        .data(data + "/test")
        .output(work + "/warmup")
        .temperature(T)
        .batchSize(BATCHES[0])
        .execute();
    double[] sparkRows = new double[BATCHES.length];
    SoftLabelAction.Result full = null;
    for (int i = 0; i < BATCHES.length; i++) {
      double[] r = new double[REPEATS];
      for (int k = 0; k < REPEATS; k++) {
        full =
            SoftLabelAction.of(spark)
                .teacher(teacherPath)
                .data(all)
                .output(work + "/soft-full")
                .temperature(T)
                .batchSize(BATCHES[i])
                .execute();
        r[k] = full.rowsPerSecond();
      }
      sparkRows[i] = median(r);
    }
    long n = full.rows();
    double[] readOnly = new double[REPEATS];
    for (int k = 0; k < REPEATS; k++) {
      readOnly[k] = readAndCheck(spark, all, BATCHES[0]);
    }
    SoftLabelAction.Result top3 =
        SoftLabelAction.of(spark)
            .teacher(teacherPath)
            .data(all)
            .output(work + "/soft-top3")
            .temperature(T)
            .batchSize(BATCHES[0])
            .topK(3)
            .execute();
    SoftLabelAction.Result large =
        args.length == 5
            ? SoftLabelAction.of(spark)
                .teacher(teacherPath)
                .data(args[4])
                .output(work + "/soft-large")
                .temperature(T)
                .batchSize(BATCHES[0])
                .execute()
            : null;
    FileSystem fs = new org.apache.hadoop.fs.Path(work).getFileSystem(hadoop);
    long inputBytes = fs.getContentSummary(new org.apache.hadoop.fs.Path(all)).getLength();
    long fullBytes =
        fs.getContentSummary(new org.apache.hadoop.fs.Path(full.outputPath())).getLength();
    long top3Bytes =
        fs.getContentSummary(new org.apache.hadoop.fs.Path(top3.outputPath())).getLength();

    // The bare loops: the same rows in this JVM, logits + softmax at T copied out as Spark's rows
    // are.
    float[] x = features(spark, all);
    double gemm = BareLoops.gemmPeak(1024, 2);
    double[][] bare = new double[BATCHES.length][];
    long parameters = full.teacherParameters();
    for (int i = 0; i < BATCHES.length; i++) {
      int batch = BATCHES[i];
      List<INDArray> inputs =
          new ArrayList<>(); // already in ND4J's memory: the loop pays for no copy in
      for (int from = 0; from + batch <= n; from += batch) {
        inputs.add(HostArrays.matrix(x, from * 784, batch, 784));
      }
      IntFunction<BareLoops.Stream> infer =
          s -> {
            TeacherModel teacher = TeacherModelFile.load(teacherPath, hadoop);
            return units ->
                () -> {
                  for (int u = 0; u < units; u++) {
                    INDArray logits = teacher.logits(inputs.get((u + 31 * s) % inputs.size()));
                    HostArrays.values(logits);
                    HostArrays.values(DistillationLabels.softmaxAtTemperature(logits, T));
                  }
                };
          };
      int units = Math.max(20, 20_000 / batch);
      bare[i] =
          new double[] {
            batch * BareLoops.rate(infer, 1, 2, units, units / 4, REPEATS),
            batch * BareLoops.rate(infer, 2, 1, units, units / 4, REPEATS)
          };
    }
    double flopsPerRow = 2.0 * parameters;

    StringBuilder md =
        new StringBuilder("## Soft labels: Spark job vs the best bare DL4J loop\n\n");
    md.append(
            String.format(
                "Teacher 784-1200-1200-10 (%,d parameters%s), T=%s, %,d rows (MNIST train + test in 2"
                    + " Parquet files). Spark: `local[2]` (2 tasks × 1 ND4J thread), end to end (teacher hash and check, count,"
                    + " read, inference, Parquet write, row-count check, publish), median of %d runs. Bare: this JVM over the"
                    + " same rows already in ND4J arrays (logits + softmax at T, copied out to Java arrays as the job's rows"
                    + " are; no I/O, no input copy) as"
                    + " 1 stream × 2 ND4J threads and as 2 streams × 1 thread, each stream its own teacher, warm-up then the"
                    + " median of %d. ND4J float GEMM peak this run: %.1f GFLOP/s (2 threads, 1024³, best of 5); GFLOP/s = 2 ×"
                    + " parameters × rows/s.%n%n",
                parameters,
                untrained ? "; initial weights, which do not change the speed" : ", " + teacherPath,
                T,
                n,
                REPEATS,
                REPEATS,
                gemm))
        .append("Command: `bench/soft-labels` (")
        .append(BenchmarkReport.machine())
        .append(")\n\n")
        .append(
            "| batch | Spark rows/s | bare 1 × 2 threads | bare 2 × 1 thread | Spark / best bare | Spark GFLOP/s"
                + " | Spark share of GEMM | best bare share of GEMM |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < BATCHES.length; i++) {
      double best = Math.max(bare[i][0], bare[i][1]);
      md.append(
          String.format(
              "| %d | %,.0f | %,.0f | %,.0f | **%.2f** | %.1f | **%.2f** | %.2f |%n",
              BATCHES[i],
              sparkRows[i],
              bare[i][0],
              bare[i][1],
              sparkRows[i] / best,
              flopsPerRow * sparkRows[i] / 1e9,
              flopsPerRow * sparkRows[i] / 1e9 / gemm,
              flopsPerRow * best / 1e9 / gemm));
    }
    md.append(
        String.format(
            "%nGoals: Spark / best bare ≥ 0.9; the Spark job's teacher ≥ 0.5 of the GEMM peak.%n%n"
                + "Where the Spark job's time goes (batch %d): reading and checking the rows into minibatch buffers alone"
                + " (a Spark pass over the same files, no teacher, no output) runs at %,.0f rows/s, i.e. %.0f %% of the job's"
                + " time per row; the rest is the teacher, the soft labels' conversion and the write.%n",
            BATCHES[0], median(readOnly), 100 * sparkRows[0] / median(readOnly)));
    if (large != null) {
      double best = Math.max(bare[0][0], bare[0][1]);
      md.append(
          String.format(
              "%nLarger input (%s, %,d rows, batch %d, one run): %,.0f rows/s, %.2f of the best bare"
                  + " loop, %.2f of the GEMM peak.%n",
              args[4],
              large.rows(),
              BATCHES[0],
              large.rowsPerSecond(),
              large.rowsPerSecond() / best,
              flopsPerRow * large.rowsPerSecond() / 1e9 / gemm));
    }
    md.append("\n| output | bytes on disk | bytes/row |\n|---|---:|---:|\n")
        .append(
            String.format(
                "| input (id, features, label) | %,d | %.0f |%n",
                inputBytes, (double) inputBytes / n))
        .append(
            String.format(
                "| soft labels, full (id, teacher_logits, soft_labels) | %,d | %.0f |%n",
                fullBytes, (double) fullBytes / n))
        .append(
            String.format(
                "| soft labels, top-3 (id, top_k_indices, top_k_probabilities) | %,d | %.0f |%n",
                top3Bytes, (double) top3Bytes / n));
    System.out.println(md);
    BenchmarkReport.writeSection(Path.of(args[3]), "soft-labels", md.toString());
    spark.stop();
  }

  /**
   * Rows/s of a Spark pass that reads the rows as the job does and checks and copies them into
   * minibatch buffers.
   */
  private static double readAndCheck(SparkSession spark, String path, int batch) {
    long start = System.nanoTime();
    long rows =
        spark
            .read()
            .parquet(path)
            .select(DatasetSchema.ID, DatasetSchema.FEATURES, DatasetSchema.LABEL)
            .queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitions(
                (Iterator<InternalRow> it) -> {
                  float[] x = new float[batch * 784];
                  long count = 0;
                  while (it.hasNext()) {
                    InternalRow r = it.next();
                    RowChecks.finiteFloats(
                        r.getArray(1),
                        false,
                        784,
                        path,
                        r.getLong(0),
                        DatasetSchema.FEATURES,
                        x,
                        (int) (count % batch) * 784);
                    count++;
                  }
                  return List.of(count).iterator();
                })
            .reduce(Long::sum);
    return rows / ((System.nanoTime() - start) / 1e9);
  }

  /** The features of every row, row-major, in this JVM (70,000 × 784 floats). */
  private static float[] features(SparkSession spark, String path) {
    List<Row> rows = spark.read().parquet(path).select(DatasetSchema.FEATURES).collectAsList();
    float[] x = new float[rows.size() * 784];
    for (int i = 0; i < rows.size(); i++) {
      List<Object> f = rows.get(i).getList(0);
      for (int j = 0; j < 784; j++) {
        x[i * 784 + j] = ((Number) f.get(j)).floatValue();
      }
    }
    return x;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }
}
