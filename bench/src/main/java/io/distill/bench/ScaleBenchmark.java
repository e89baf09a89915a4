package io.distill.bench;

import io.distill.losses.DistillationLoss;
import io.distill.student.StudentNetworks;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.SoftLabelSchema;
import io.distill.teacher.TeacherNetworks;
import io.distill.teacher.TransferSetAction;
import io.distill.trainer.EpochStats;
import io.distill.trainer.Optimiser;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TeacherSignal;
import io.distill.trainer.TrainingData;
import io.distill.trainer.TrainingSettings;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The pipeline's data path at growing scale under a fixed heap: MNIST-shaped datasets of 70 k, 700
 * k and 7 M rows (full MNIST train + test, then jittered copies of it written by the job's own
 * {@link TransferSetAction}), each put through the soft-label job, the packing of the training data
 * (features and labels joined with the soft labels by id, persisted on local disk) and one training
 * epoch of a 100x100 student (and of an 800x800 one up to 700 k rows), in a fresh {@code local[2]}
 * JVM per size so that its peak RSS is that size's alone. Run by bench/scale:
 *
 * <pre>
 * ScaleBenchmark make    MNIST_PARQUET WORK ROWS[,ROWS...]   datasets and the teacher (not measured)
 * ScaleBenchmark measure WORK ROWS RESULTS.tsv               one size, appended to RESULTS.tsv
 * ScaleBenchmark render  RESULTS.tsv REPORT.md               the "scale" section of docs/BENCHMARKS.md
 * </pre>
 *
 * <p>The teacher is Hinton et al.'s 784-1200-1200-10 MLP with its initial (untrained) weights: this
 * measures time and memory, which do not depend on the weights. Peak RSS is the JVM's {@code VmHWM}
 * (heap, ND4J's off-heap buffers, Spark's page cache-free memory) after each stage; disk is the
 * bytes under the Spark local directory (pack shuffle files and the persisted blocks) after
 * packing.
 */
public final class ScaleBenchmark {
  private static final int BASE_ROWS = 70_000;
  private static final double T = 4.0;
  static final int BATCH = 128;
  static final int PERIOD = 50;

  /** Above this size the 800x800 epoch is skipped (about 40 minutes at 7 M rows on 2 cores). */
  private static final long LARGE_STUDENT_MAX_ROWS = 700_000;

  private static final String HEADER =
      "rows\tstage\tseconds\trows_per_s\tpeak_rss_bytes\tdisk_bytes\theap_bytes";

  private ScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 4 && args[0].equals("make")) {
      make(args[1], args[2], args[3]);
    } else if (args.length == 4 && args[0].equals("measure")) {
      measure(args[1], Long.parseLong(args[2]), Path.of(args[3]));
    } else if (args.length == 3 && args[0].equals("render")) {
      ScaleReport.render(Path.of(args[1]), Path.of(args[2]));
    } else {
      System.err.println(
          "usage: ScaleBenchmark make MNIST_PARQUET WORK ROWS[,ROWS...] | measure WORK ROWS RESULTS.tsv"
              + " | render RESULTS.tsv REPORT.md");
      System.exit(2);
    }
  }

  static String dataPath(String work, long rows) {
    return work + "/data-" + rows;
  }

  private static void make(String mnist, String work, String sizes) throws IOException {
    SparkSession spark =
        SparkSession.builder().appName("distill: scale benchmark datasets").getOrCreate();
    String base = dataPath(work, BASE_ROWS);
    if (!new File(base, "_SUCCESS").exists()) {
      spark
          .read()
          .parquet(mnist + "/train")
          .unionByName(
              spark
                  .read()
                  .parquet(mnist + "/test")
                  .selectExpr("id + 60000 AS id", "features", "label"))
          .repartition(2)
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(base);
    }
    for (String s : sizes.split(",")) {
      long rows = Long.parseLong(s.trim());
      if (rows % BASE_ROWS != 0) {
        throw new IllegalArgumentException(
            "rows must be a multiple of " + BASE_ROWS + ", cannot be: " + rows);
      }
      int copies = (int) (rows / BASE_ROWS) - 1;
      if (copies == 0 || new File(dataPath(work, rows), "_SUCCESS").exists()) {
        continue;
      }
      // About 35,000 output rows (110 MB of floats) per task and file.
      Dataset<Row> input = spark.read().parquet(base).repartition((int) Math.max(2, rows / 35_000));
      TransferSetAction.Result r =
          TransferSetAction.of(spark)
              .data(input, base)
              .copies(copies)
              .maxShift(2)
              .seed(7)
              .output(dataPath(work, rows))
              .execute();
      System.out.printf("scale: %,d rows -> %s%n", r.rows(), r.outputPath());
    }
    File teacher = new File(work, "teacher.zip");
    if (!teacher.exists()) {
      MultiLayerNetwork net = new MultiLayerNetwork(TeacherNetworks.hintonMnist(1));
      net.init();
      ModelSerializer.writeModel(net, teacher, false);
    }
    spark.stop();
  }

  private static void measure(String work, long rows, Path results) throws IOException {
    SparkSession spark =
        SparkSession.builder().appName("distill: scale benchmark, " + rows + " rows").getOrCreate();
    String data = dataPath(work, rows);
    String soft = work + "/soft-" + rows;
    List<String> out = new ArrayList<>();
    long heap = Runtime.getRuntime().maxMemory();
    out.add(row(rows, "input Parquet", Double.NaN, bytes(spark, data), heap));

    SoftLabelAction.Result labels =
        SoftLabelAction.of(spark)
            .teacher(work + "/teacher.zip")
            .data(data)
            .output(soft)
            .temperature(T)
            .batchSize(256)
            .execute();
    out.add(row(rows, "soft labels", labels.seconds(), bytes(spark, soft), heap));

    long start = System.nanoTime();
    try (TrainingData packed =
        TrainingData.pack(spark)
            .rows(spark.read().parquet(data), data)
            .softLabels(spark.read().parquet(soft), soft)
            .teacher(TeacherSignal.logits(SoftLabelSchema.TEACHER_LOGITS))
            .features(784)
            .classes(10)
            .workers(2)
            .execute()) {
      double packSeconds = (System.nanoTime() - start) / 1e9;
      out.add(row(rows, "pack", packSeconds, localDirBytes(spark), heap));
      epoch(spark, packed, "100x100", new int[] {100, 100}, rows, heap, out);
      if (rows <= LARGE_STUDENT_MAX_ROWS) {
        epoch(spark, packed, "800x800", new int[] {800, 800}, rows, heap, out);
      }
    }
    if (!Files.exists(results)) {
      Files.writeString(results, HEADER + "\n", StandardCharsets.UTF_8);
    }
    Files.write(results, out, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    out.forEach(line -> System.out.println("scale: " + line));
    spark.stop();
  }

  private static void epoch(
      SparkSession spark,
      TrainingData packed,
      String size,
      int[] hidden,
      long rows,
      long heap,
      List<String> out) {
    var conf =
        StudentNetworks.mlp(
            784, hidden, 10, 1, 1, Optimiser.adam(1e-3, 1), DistillationLoss.of(0.5, T), 1);
    var result =
        SparkTrainer.of(spark)
            .name("scale-" + size)
            .network(conf)
            .trainingData(packed)
            .settings(
                TrainingSettings.builder()
                    .epochs(1)
                    .workers(2)
                    .batchSizePerWorker(BATCH)
                    .averagingPeriod(PERIOD)
                    .threadsPerTask(1)
                    .seed(1)
                    .build())
            .execute();
    EpochStats e = result.lastEpoch();
    out.add(row(rows, "epoch " + size, e.seconds(), -1, heap));
  }

  private static String row(long rows, String stage, double seconds, long disk, long heap) {
    return String.join(
        "\t",
        Long.toString(rows),
        stage,
        Double.isNaN(seconds) ? "" : String.format("%.1f", seconds),
        Double.isNaN(seconds) ? "" : String.format("%.0f", rows / seconds),
        Long.toString(peakRss()),
        Long.toString(disk),
        Long.toString(heap));
  }

  private static long bytes(SparkSession spark, String path) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    return fs.getContentSummary(p).getLength();
  }

  /** Bytes of files under {@code spark.local.dir}: shuffle files and the persisted blocks. */
  private static long localDirBytes(SparkSession spark) throws IOException {
    long total = 0;
    for (String dir : spark.sparkContext().getConf().get("spark.local.dir", "/tmp").split(",")) {
      try (Stream<Path> files = Files.walk(Path.of(dir))) {
        total += files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
      }
    }
    return total;
  }

  /** This JVM's peak resident set ({@code VmHWM}), in bytes; -1 where /proc is not there. */
  static long peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    return -1;
  }
}
