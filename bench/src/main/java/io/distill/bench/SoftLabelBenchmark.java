package io.distill.bench;

import io.distill.losses.DistillationLabels;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherModelFile;
import io.distill.trainer.Nd4jThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Soft-label throughput on full MNIST (train + test, 70,000 rows) with a teacher, at batch 256 and 1024: rows/s of the
 * Spark job on 2 cores vs a bare single-JVM DL4J loop over the same rows (2 ND4J threads, same batch size), the teacher's achieved
 * GFLOP/s (2 × parameters × rows / s) vs this machine's ND4J float GEMM GFLOP/s, and bytes on disk per row for the
 * full output and for top-3. Run by bench/soft-labels:
 *
 * <pre>
 * spark-submit --master 'local[2]' --class io.distill.jobs.bench.SoftLabelBenchmark distill-job.jar DATA TEACHER WORK REPORT
 * </pre>
 */
public final class SoftLabelBenchmark {
  private static final int[] BATCHES = {256, 1024};
  private static final double T = 4.0;

  private SoftLabelBenchmark() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: SoftLabelBenchmark DATA_DIR TEACHER.zip WORK_DIR REPORT.md");
      System.exit(2);
    }
    String data = args[0];
    String teacherPath = args[1];
    String work = args[2];
    SparkSession spark = SparkSession.builder().appName("distill: soft-label benchmark").getOrCreate();
    String all = work + "/mnist-all";
    spark.read().parquet(data + "/train").unionByName(spark.read().parquet(data + "/test")
            .selectExpr("id + 60000 AS id", "features", "label"))
        .repartition(2).write().mode(SaveMode.Overwrite).parquet(all);

    // Warm-up (JIT, native library, teacher cache), then the measured Spark runs and the top-3 run.
    SoftLabelAction.of(spark).teacher(teacherPath).data(data + "/test").output(work + "/warmup").temperature(T)
        .batchSize(BATCHES[0]).execute();
    SoftLabelAction.Result[] full = new SoftLabelAction.Result[BATCHES.length];
    for (int i = 0; i < BATCHES.length; i++) {
      full[i] = SoftLabelAction.of(spark).teacher(teacherPath).data(all).output(work + "/soft-full-" + BATCHES[i])
          .temperature(T).batchSize(BATCHES[i]).execute();
    }
    SoftLabelAction.Result top3 = SoftLabelAction.of(spark).teacher(teacherPath).data(all)
        .output(work + "/soft-top3").temperature(T).batchSize(BATCHES[0]).topK(3).execute();

    // The bare loop: the same rows in this JVM, 2 ND4J threads, the same batch size, logits + softmax at T.
    List<Row> rows = spark.read().parquet(all).collectAsList();
    float[][] x = new float[rows.size()][];
    for (int i = 0; i < x.length; i++) {
      List<Object> f = rows.get(i).getList(1);
      x[i] = new float[f.size()];
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] = ((Number) f.get(j)).floatValue();
      }
    }
    rows = null;
    Nd4jThreads.limit(2);
    TeacherModel teacher = TeacherModelFile.load(teacherPath, spark.sparkContext().hadoopConfiguration());
    double[] bareRows = new double[BATCHES.length];
    double checksum = 0;
    for (int i = 0; i < BATCHES.length; i++) {
      bareLoop(teacher, x, 10_000, BATCHES[i]); // warm-up
      long start = System.nanoTime();
      checksum += bareLoop(teacher, x, x.length, BATCHES[i]);
      bareRows[i] = x.length / ((System.nanoTime() - start) / 1e9);
    }
    double gemm = gemmGflops();

    double flopsPerRow = 2.0 * teacher.parameterCount();
    FileSystem fs = new org.apache.hadoop.fs.Path(work).getFileSystem(spark.sparkContext().hadoopConfiguration());
    long fullBytes = fs.getContentSummary(new org.apache.hadoop.fs.Path(full[0].outputPath())).getLength();
    long top3Bytes = fs.getContentSummary(new org.apache.hadoop.fs.Path(top3.outputPath())).getLength();
    long inputBytes = fs.getContentSummary(new org.apache.hadoop.fs.Path(all)).getLength();
    long n = full[0].rows();

    StringBuilder md = new StringBuilder();
    md.append("## Soft labels: Spark job vs a bare DL4J loop\n\n")
        .append(String.format("Teacher `%s` (%,d parameters), T=%s, %,d rows (MNIST train + test), Spark `local[2]`"
            + " (2 tasks × 1 ND4J thread) vs one JVM looping over the same rows in memory with 2 ND4J threads"
            + " (logits + softmax at T, no I/O), at the same batch size. Spark's figure is end to end: teacher check"
            + " and hash, read, inference, Parquet write, row-count check, publish.%n%n", teacherPath,
            teacher.parameterCount(), T, n))
        .append("Command: `bench/soft-labels` (").append(BenchmarkReport.machine()).append(")\n\n")
        .append("| batch | Spark rows/s | bare rows/s | Spark / bare | Spark GFLOP/s | bare GFLOP/s |"
            + " Spark share of GEMM | bare share of GEMM |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < BATCHES.length; i++) {
      double sparkGflops = flopsPerRow * full[i].rowsPerSecond() / 1e9;
      double bareGflops = flopsPerRow * bareRows[i] / 1e9;
      md.append(String.format("| %d | %,.0f | %,.0f | **%.2f** | %.1f | %.1f | **%.2f** | %.2f |%n", BATCHES[i],
          full[i].rowsPerSecond(), bareRows[i], full[i].rowsPerSecond() / bareRows[i], sparkGflops, bareGflops,
          sparkGflops / gemm, bareGflops / gemm));
    }
    md.append(String.format("%nGoals: Spark / bare ≥ 0.9; the Spark job's teacher ≥ 0.5 of ND4J's float GEMM on this"
            + " machine, measured here at %.1f GFLOP/s (2 threads, best of 5, 1024³).%n%n", gemm))
        .append("| output | bytes on disk | bytes/row |\n|---|---:|---:|\n")
        .append(String.format("| input (id, features, label) | %,d | %.0f |%n", inputBytes, (double) inputBytes / n))
        .append(String.format("| full: + teacher_logits, soft_labels | %,d | %.0f |%n", fullBytes,
            (double) fullBytes / n))
        .append(String.format("| top-3: + top_k_indices, top_k_probabilities | %,d | %.0f |%n", top3Bytes,
            (double) top3Bytes / top3.rows()))
        .append(String.format("%nTop-3 saves %.0f bytes a row over the full soft labels (%.0f %% of the soft-label"
                + " columns' %.0f bytes a row); with K=10 classes the saving is small, it grows with K.%n",
            (double) (fullBytes - top3Bytes) / n, 100.0 * (fullBytes - top3Bytes) / (fullBytes - inputBytes),
            (double) (fullBytes - inputBytes) / n))
        .append(String.format("%n(bare-loop checksum %.3f)%n", checksum));
    System.out.println(md);
    BenchmarkReport.writeSection(Path.of(args[3]), "soft-labels", md.toString());
    spark.stop();
  }

  private static double bareLoop(TeacherModel teacher, float[][] x, int rows, int batch) {
    double checksum = 0;
    for (int from = 0; from < rows; from += batch) {
      int to = Math.min(from + batch, rows);
      INDArray features = Nd4j.create(java.util.Arrays.copyOfRange(x, from, to));
      INDArray logits = teacher.logits(features);
      INDArray p = DistillationLabels.softmaxAtTemperature(logits, T);
      float[][] z = logits.toFloatMatrix();
      float[][] q = p.toFloatMatrix();
      checksum += z[0][0] + q[0][0];
    }
    return checksum;
  }

  private static double gemmGflops() {
    int n = 1024;
    INDArray a = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, n);
    double best = 0;
    for (int i = 0; i < 6; i++) {
      long start = System.nanoTime();
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      double s = (System.nanoTime() - start) / 1e9;
      if (i > 0) {
        best = Math.max(best, 2.0 * n * n * n / s / 1e9);
      }
    }
    return best;
  }
}
