package io.distill.dataset;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.DataSource;
import io.distill.core.HadoopFiles;
import io.distill.core.OutputKind;
import io.distill.core.SparkAction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports an MNIST-style IDX dataset (the four standard files, gzip or raw, on any Hadoop FS path
 * or inside the jar) into Parquet: {@code <output>/train} and {@code <output>/test}, each with the
 * {@linkplain DatasetSchema labelled-dataset schema}, plus {@code <output>/import.json} (sources,
 * row and label counts, time). {@code id} is the zero-based record number in the source IDX file,
 * so it is stable across runs and unique within a split. Features are pixels / 255 as floats.
 *
 * <p>The output is published atomically ({@link AtomicDirectoryCommit}): a failed import leaves
 * nothing, and a rerun replaces an earlier output whole.
 *
 * <p>Cost: the driver reads every labels file (1 byte a record) and streams every images file once
 * to check it is complete; then one Spark job per split writes Parquet, with no shuffle. Each task
 * reads its own range of records straight from the source ({@link #rowsPerPartition}, default
 * 10,000: with gzip, a task decompresses everything before its range, so fewer, larger partitions
 * cost less CPU; the rows of a partition are streamed).
 *
 * <pre>{@code
 * ImportMnistAction.Result result = ImportMnistAction.of(spark)
 *     .source(MnistFiles.in("hdfs:///data/mnist", hadoopConf))
 *     .output("hdfs:///distill/mnist")
 *     .execute();
 * }</pre>
 */
public final class ImportMnistAction extends SparkAction<ImportMnistAction.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(ImportMnistAction.class);
  public static final String MANIFEST = "import.json";

  /** What the import publishes (earlier imports hold its import.json). */
  public static final OutputKind KIND = new OutputKind("mnist-import", MANIFEST);

  private MnistFiles source;
  private String output;

  /** Default rows per Parquet partition of an import. */
  public static final int DEFAULT_ROWS_PER_PARTITION = 10_000;

  private int rowsPerPartition = DEFAULT_ROWS_PER_PARTITION;
  private int numClasses = 10;

  private ImportMnistAction(SparkSession spark) {
    super(spark);
  }

  public static ImportMnistAction of(SparkSession spark) {
    return new ImportMnistAction(spark);
  }

  /** The four IDX files to import. */
  public ImportMnistAction source(MnistFiles files) {
    this.source = files;
    return this;
  }

  /** Output directory (any Hadoop FS URI); replaced whole when it exists. */
  public ImportMnistAction output(String outputPath) {
    this.output = outputPath;
    return this;
  }

  /** Records read and written by one task; default 10,000. */
  public ImportMnistAction rowsPerPartition(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("rowsPerPartition must be at least 1, cannot be: " + rows);
    }
    this.rowsPerPartition = rows;
    return this;
  }

  /** Labels must lie in {@code [0, numClasses)}; default 10. */
  public ImportMnistAction numClasses(int classes) {
    if (classes < 2 || classes > 256) {
      throw new IllegalArgumentException("numClasses must be in [2, 256], cannot be: " + classes);
    }
    this.numClasses = classes;
    return this;
  }

  @Override
  protected String jobGroup() {
    return "import";
  }

  @Override
  protected String description() {
    return "Importing MNIST " + source.directory() + " into " + output;
  }

  @Override
  protected void validate() {
    if (source == null) {
      throw new IllegalStateException("No source set: call source(MnistFiles) before execute()");
    }
    require(output, "output(path)");
  }

  /** Checks every input file, then writes and publishes both splits. */
  @Override
  protected Result doExecute() {
    long started = System.nanoTime();
    Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();

    // Check all four files before any Spark work, so bad input fails fast and publishes nothing.
    Split train =
        checkSplit(DatasetSchema.TRAIN, source.trainImages(), source.trainLabels(), hadoopConf);
    Split test =
        checkSplit(DatasetSchema.TEST, source.testImages(), source.testLabels(), hadoopConf);

    return AtomicDirectoryCommit.publish(
        output,
        hadoopConf,
        KIND,
        commit -> {
          Map<String, SplitResult> splits = new LinkedHashMap<>();
          for (Split split : List.of(train, test)) {
            splits.put(
                split.name, write(split, new Path(commit.temporaryPath(), split.name).toString()));
          }
          double seconds = (System.nanoTime() - started) / 1e9;
          Result result = new Result(commit.targetPath(), splits, seconds);
          writeManifest(result, new Path(commit.temporaryPath(), MANIFEST), hadoopConf);
          LOG.info(
              "Imported {} into {}: train {} rows, test {} rows in {} s",
              source.directory(),
              result.outputPath(),
              splits.get(DatasetSchema.TRAIN).rows(),
              splits.get(DatasetSchema.TEST).rows(),
              String.format("%.1f", seconds));
          return result;
        });
  }

  private Split checkSplit(
      String name, DataSource images, DataSource labels, Configuration hadoopConf) {
    byte[] labelBytes = IdxReader.readLabels(labels, numClasses, hadoopConf);
    IdxHeader imageHeader = IdxReader.checkComplete(images, IdxKind.IMAGES, hadoopConf);
    if (imageHeader.count() != labelBytes.length) {
      throw new IdxFormatException(
          String.format(
              "%s split: image/label count mismatch: %s holds %d images but %s holds %d labels",
              name, images, imageHeader.count(), labels, labelBytes.length));
    }
    return new Split(name, images, labels, imageHeader, labelBytes);
  }

  private SplitResult write(Split split, String path) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int count = split.header.count();
    int partitions = Math.max(1, (count + rowsPerPartition - 1) / rowsPerPartition);
    List<long[]> ranges = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      long start = (long) p * count / partitions;
      long end = (long) (p + 1) * count / partitions;
      ranges.add(new long[] {start, end});
    }
    Broadcast<byte[]> labels = jsc.broadcast(split.labels);
    Broadcast<SerializableConfiguration> conf =
        jsc.broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
    DataSource images = split.images;

    JavaRDD<Row> rows =
        jsc.parallelize(ranges, partitions)
            .mapPartitions(
                it -> readRange(images, it.next(), labels.value(), conf.value().value()));

    long started = System.nanoTime();
    spark
        .sparkContext()
        .setJobGroup(
            "import-" + split.name,
            String.format(
                "Importing MNIST %s split (%d images, %d partitions) from %s to %s",
                split.name, count, partitions, images, path),
            false);
    try {
      spark
          .createDataFrame(rows, DatasetSchema.SCHEMA)
          .write()
          .mode(SaveMode.ErrorIfExists)
          .parquet(path);
    } finally {
      spark.sparkContext().clearJobGroup();
      labels.destroy();
      conf.destroy();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    long[] labelCounts = new long[numClasses];
    for (byte b : split.labels) {
      labelCounts[b & 0xff]++;
    }
    LOG.info(
        "Wrote {} split: {} rows in {} partitions, {} s ({} rows/s)",
        split.name,
        count,
        partitions,
        String.format("%.1f", seconds),
        String.format("%.0f", count / Math.max(seconds, 1e-9)));
    return new SplitResult(
        split.name, count, labelCounts, split.images.location(), split.labelsSource.location());
  }

  private static Iterator<Row> readRange(
      DataSource images, long[] range, byte[] labels, Configuration conf) {
    IdxReader.RecordIterator records =
        IdxReader.openRecords(images, IdxKind.IMAGES, range[0], (int) (range[1] - range[0]), conf);
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) ctx -> records.close());
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        boolean more = records.hasNext();
        if (!more) {
          records.close();
        }
        return more;
      }

      @Override
      public Row next() {
        byte[] pixels = records.next();
        long id = records.index();
        float[] features = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
          features[i] = (pixels[i] & 0xff) / 255f;
        }
        return RowFactory.create(id, features, labels[(int) id] & 0xff);
      }
    };
  }

  private static void writeManifest(Result result, Path path, Configuration hadoopConf) {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("output", result.outputPath());
    manifest.put("createdAt", Instant.now().toString());
    manifest.put("seconds", result.seconds());
    Map<String, Object> splits = new LinkedHashMap<>();
    for (SplitResult s : result.splits().values()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("images", s.imagesSource());
      entry.put("labels", s.labelsSource());
      entry.put("rows", s.rows());
      entry.put("labelCounts", s.labelCounts());
      splits.put(s.name(), entry);
    }
    manifest.put("splits", splits);
    manifest.put("codeVersion", HadoopFiles.codeVersion());
    HadoopFiles.writeJson(path.toString(), manifest, hadoopConf);
  }

  private static final class Split {
    final String name;
    final DataSource images;
    final DataSource labelsSource;
    final IdxHeader header;
    final byte[] labels;

    Split(
        String name, DataSource images, DataSource labelsSource, IdxHeader header, byte[] labels) {
      this.name = name;
      this.images = images;
      this.labelsSource = labelsSource;
      this.header = header;
      this.labels = labels;
    }
  }

  /** What one split became: its row count and how many rows carry each label. */
  public record SplitResult(
      String name, long rows, long[] labelCounts, String imagesSource, String labelsSource) {
    public SplitResult {
      labelCounts = labelCounts.clone();
    }

    @Override
    public long[] labelCounts() {
      return labelCounts.clone();
    }

    @Override
    public String toString() {
      return name + ": " + rows + " rows, label counts " + Arrays.toString(labelCounts);
    }
  }

  /** The published output: its path, each split's counts, and the wall time. Immutable. */
  public record Result(String outputPath, Map<String, SplitResult> splits, double seconds) {
    public Result {
      splits = Collections.unmodifiableMap(new LinkedHashMap<>(splits));
    }

    public String trainPath() {
      return outputPath + "/" + DatasetSchema.TRAIN;
    }

    public String testPath() {
      return outputPath + "/" + DatasetSchema.TEST;
    }
  }
}
