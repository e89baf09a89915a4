package io.distill.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.distill.jobs.DistillJob;
import io.distill.jobs.nightly.NightRecord;
import io.distill.jobs.nightly.NightsRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * A simulated week of nightly distillation over full MNIST (bench/nightly): the training split
 * arrives in date partitions (night 1 half of it, night 2 a tenth of night 1's rows more, nights 3
 * to 7 the rest in five equal parts; rows are dealt by a hash of their id), the test split is
 * fixed. Night 3's partition also holds 25 corrupt rows (NaN features), quarantined by the import;
 * night 5's partition has the labels of a third of its rows shuffled; from night 6 on the teacher
 * is a new file (the shipped CNN re-packed: the same network, another sha256), so every row is
 * relabelled. Each night runs {@code distill-job.jar nightly} in this JVM; the table (rows added,
 * rows the teacher labelled, seconds per stage, promoted or not, holdout errors of tonight's
 * students and the champion's) goes into a section of docs/BENCHMARKS.md.
 *
 * <pre>
 * spark-submit --class io.distill.bench.NightlyBenchmark --jars distill-job.jar distill-bench.jar \
 *     REPORT.md SECTION DATA OUT COMMAND [job arguments]...
 * </pre>
 */
public final class NightlyBenchmark {
  private NightlyBenchmark() {}

  /** Nights and the share of the training split's hash range each one adds. */
  static final double[] SHARES = {0.5, 0.05, 0.09, 0.09, 0.09, 0.09, 0.09};

  static final int CORRUPT_NIGHT = 3;
  static final int SHUFFLED_NIGHT = 5;
  static final int NEW_TEACHER_NIGHT = 6;
  static final String SHIPPED_TEACHER = "/io/distill/teacher/mnist-cnn/model.zip";

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println(
          "usage: NightlyBenchmark REPORT.md SECTION DATA OUT COMMAND [job args]...");
      System.exit(2);
    }
    Path report = Path.of(args[0]);
    String section = args[1];
    String data = args[2];
    Path out = Path.of(args[3]);
    String command = args[4];
    List<String> jobArgs = List.of(args).subList(5, args.length);
    SparkSession spark = SparkSession.builder().appName("distill: nightly benchmark").getOrCreate();
    Path input = out.resolve("input");
    Path runs = out.resolve("runs");
    Path repacked = out.resolve("teacher-repacked.zip");
    repack(repacked);
    spark.read().parquet(data + "/test").write().parquet(input.resolve("test").toString());
    Dataset<Row> train = spark.read().parquet(data + "/train");
    Column u =
        functions
            .shiftrightunsigned(functions.xxhash64(lit(20261206L), col("id")), 11)
            .cast("double")
            .multiply(0x1.0p-53);
    double from = 0;
    List<Map<String, Object>> nights = new ArrayList<>();
    for (int n = 1; n <= SHARES.length; n++) {
      String night = String.format(Locale.ROOT, "2026-12-%02d", n);
      double to = n == SHARES.length ? 1.0 : from + SHARES[n - 1];
      Dataset<Row> arriving = train.where(u.geq(from).and(u.lt(to)));
      String what = "";
      if (n == CORRUPT_NIGHT) {
        Dataset<Row> corrupt =
            arriving
                .limit(25)
                .select(
                    col("id").plus(10_000_000L).as("id"),
                    functions.expr("transform(features, x -> CAST('NaN' AS FLOAT))").as("features"),
                    col("label"));
        arriving = arriving.unionByName(corrupt);
        what = "25 corrupt rows (NaN features)";
      }
      if (n == SHUFFLED_NIGHT) {
        Column third =
            functions.pmod(functions.xxhash64(lit(5L), col("id")), lit(3L)).equalTo(lit(0L));
        Column shuffled =
            functions
                .pmod(
                    col("label")
                        .plus(lit(1))
                        .plus(functions.pmod(functions.xxhash64(lit(9L), col("id")), lit(9L))),
                    lit(10))
                .cast("int");
        arriving =
            arriving.withColumn("label", functions.when(third, shuffled).otherwise(col("label")));
        what = "labels of a third of the new rows shuffled";
      }
      if (n == NEW_TEACHER_NIGHT) {
        what = "new teacher file (the CNN re-packed)";
      }
      arriving.write().parquet(input.resolve("train/date=" + night).toString());
      from = to;
      List<String> a =
          new ArrayList<>(
              List.of(
                  "nightly",
                  "--runs-root",
                  runs.toString(),
                  "--run-id",
                  night,
                  "--config",
                  "conf/nightly.conf",
                  "--set",
                  "data.train=" + input.resolve("train"),
                  "--set",
                  "data.test=" + input.resolve("test"),
                  "--set",
                  "data.max-bad-rows=100"));
      if (n >= NEW_TEACHER_NIGHT) {
        a.addAll(List.of("--set", "teacher.model=" + repacked));
      }
      a.addAll(jobArgs);
      long started = System.nanoTime();
      int code = DistillJob.run(a.toArray(new String[0]));
      double seconds = (System.nanoTime() - started) / 1e9;
      if (code != 0 && code != 3) {
        throw new IllegalStateException("night " + night + " failed with exit code " + code);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("night", night);
      row.put("what", what);
      row.put("exit", code);
      row.put("seconds", seconds);
      nights.add(row);
    }
    List<NightRecord> records =
        new NightsRoot(runs.toString(), spark.sparkContext().hadoopConfiguration()).nights(spark);
    String markdown = NightlyTable.render(records, nights, command, BenchmarkReport.machine());
    BenchmarkReport.writeSection(report, section, markdown);
    System.out.println(markdown);
  }

  /** The shipped teacher with every zip entry written again at another compression level. */
  static void repack(Path target) throws IOException {
    Files.createDirectories(target.getParent());
    try (InputStream raw = NightlyBenchmark.class.getResourceAsStream(SHIPPED_TEACHER)) {
      if (raw == null) {
        throw new IllegalStateException("the jar lacks " + SHIPPED_TEACHER);
      }
      try (ZipInputStream in = new ZipInputStream(raw);
          OutputStream file = Files.newOutputStream(target);
          ZipOutputStream zip = new ZipOutputStream(file)) {
        zip.setLevel(Deflater.BEST_SPEED);
        for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          zip.putNextEntry(new ZipEntry(e.getName()));
          in.transferTo(zip);
          zip.closeEntry();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot re-pack the teacher: " + e.getMessage(), e);
    }
  }
}
