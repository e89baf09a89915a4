package io.distill.teacher;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.OutputKind;
import io.distill.core.SparkAction;
import io.distill.dataset.DatasetSchema;
import io.distill.dataset.RowChecks;
import io.distill.trainer.InputJitter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Builds a <b>transfer set</b> for distillation: the labelled training images plus {@code copies}
 * jittered copies of each (every copy shifted by a random whole number of pixels in {@code
 * [-maxShift, maxShift]} along each axis, see {@link InputJitter}), keeping each image's hard
 * label. The soft-label job then labels every row with the teacher, so the students see the
 * teacher's answers on images it was never shown exactly (Hinton et al. 2015, section 3).
 *
 * <p>Row ids: the originals keep theirs; copy {@code k} of the row with id {@code i} gets {@code k
 * × stride + i}, {@code stride} = the largest input id + 1, so ids stay unique. The shift of each
 * copy is seeded by {@code (seed, i, k)}: a rerun writes the same rows.
 *
 * <p>Cost: one aggregation to find the largest id, one narrow pass writing {@code (1 + copies) ×}
 * the input's rows (no shuffle; the output has the input's partitioning), one count to check the
 * result. Published atomically (hidden temporary directory, then rename); a failure publishes
 * nothing.
 */
public final class TransferSetAction extends SparkAction<TransferSetAction.Result> {
  /** What the action publishes (a Parquet dataset; earlier ones hold Spark's _SUCCESS). */
  public static final OutputKind KIND = new OutputKind("transfer-set", "_SUCCESS");

  private String dataPath;
  private Dataset<Row> dataRows;
  private String output;

  /** Default jittered copies per image, besides the original. */
  public static final int DEFAULT_COPIES = 2;

  /** Default largest shift, in pixels, of a copy. */
  public static final int DEFAULT_MAX_SHIFT = 2;

  private int copies = DEFAULT_COPIES;
  private int maxShift = DEFAULT_MAX_SHIFT;
  private long seed = 42;

  private TransferSetAction(SparkSession spark) {
    super(spark);
  }

  public static TransferSetAction of(SparkSession spark) {
    return new TransferSetAction(spark);
  }

  /** The labelled dataset to copy (Parquet with id, features, label; square images). */
  public TransferSetAction data(String path) {
    this.dataPath = path;
    return this;
  }

  /**
   * Rows to copy (id, features, label; square images) already read, e.g. the training rows of a
   * split.
   */
  public TransferSetAction data(Dataset<Row> rows, String name) {
    this.dataRows = rows;
    this.dataPath = name;
    return this;
  }

  /** Where the transfer set goes; replaced whole when it exists. */
  public TransferSetAction output(String path) {
    this.output = path;
    return this;
  }

  /** Jittered copies per image, besides the original; default {@value #DEFAULT_COPIES}. */
  public TransferSetAction copies(int value) {
    if (value < 1) {
      throw new IllegalArgumentException("copies must be at least 1, cannot be: " + value);
    }
    this.copies = value;
    return this;
  }

  /** Largest shift in pixels along each axis; default 2. */
  public TransferSetAction maxShift(int value) {
    if (value < 1) {
      throw new IllegalArgumentException("maxShift must be at least 1, cannot be: " + value);
    }
    this.maxShift = value;
    return this;
  }

  public TransferSetAction seed(long value) {
    this.seed = value;
    return this;
  }

  @Override
  protected String jobGroup() {
    return "transfer-set";
  }

  @Override
  protected String description() {
    return String.format(
        "Transfer set: %s + %d jittered cop%s (±%d px)",
        dataPath, copies, copies == 1 ? "y" : "ies", maxShift);
  }

  @Override
  protected void validate() {
    require(dataPath, "data(...)");
    require(output, "output(path)");
  }

  /** Writes the transfer set and returns where it is and how many rows it has. */
  @Override
  protected Result doExecute() throws Exception {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    {
      Dataset<Row> input = dataRows != null ? dataRows : spark.read().parquet(dataPath);
      DatasetSchema.requireLabelledDataset(input.schema(), dataPath);
      Row stats =
          input
              .agg(
                  functions.count(functions.lit(1)),
                  functions.max(DatasetSchema.ID),
                  functions.max(functions.size(functions.col(DatasetSchema.FEATURES))),
                  functions.min(DatasetSchema.ID))
              .first();
      long rows = stats.getLong(0);
      if (rows == 0) {
        throw new IllegalArgumentException(
            "Dataset " + dataPath + " is empty: no rows to build a transfer set from");
      }
      long stride = stats.getLong(1) + 1;
      if (stats.getLong(3) < 0 || stride > Long.MAX_VALUE / (copies + 1L)) {
        throw new IllegalArgumentException(
            "Dataset "
                + dataPath
                + " has ids from "
                + stats.getLong(3)
                + " to "
                + stats.getLong(1)
                + ": "
                + copies
                + " jittered copies per row need ids from 0 to "
                + (Long.MAX_VALUE / (copies + 1L) - 1)
                + " (copy k of row i gets id i + k × (largest id + 1))");
      }
      int features = stats.getInt(2);
      int side = (int) Math.round(Math.sqrt(features));
      if (side * side != features) {
        throw new IllegalArgumentException(
            "Dataset "
                + dataPath
                + " has "
                + features
                + " features per row, not a"
                + " square image: a transfer set of jittered copies needs square images (soft-labels.transfer-copies = 0"
                + " trains on the rows as they are)");
      }
      InputJitter jitter = InputJitter.square(features, maxShift);
      int n = copies;
      long s = seed;
      String source = dataPath;
      JavaRDD<Row> rowsOut =
          input
              .select(DatasetSchema.ID, DatasetSchema.FEATURES, DatasetSchema.LABEL)
              .javaRDD()
              .flatMap(
                  r -> {
                    long id = r.getLong(0);
                    float[] image =
                        RowChecks.finiteFloats(
                            r.getList(1), jitter.pixels(), source, id, DatasetSchema.FEATURES);
                    List<Row> out = new ArrayList<>(n + 1);
                    out.add(r);
                    for (int k = 1; k <= n; k++) {
                      SplittableRandom random =
                          new SplittableRandom(s * 0x9E3779B97F4A7C15L + id * 1_000_003L + k);
                      out.add(
                          RowFactory.create(
                              k * stride + id, jitter.jittered(image, random), r.get(2)));
                    }
                    return out.iterator();
                  });
      return AtomicDirectoryCommit.publish(
          output,
          hadoop,
          KIND,
          commit -> {
            spark
                .createDataFrame(rowsOut, DatasetSchema.SCHEMA)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(commit.temporaryPath());
            long written = spark.read().parquet(commit.temporaryPath()).count();
            long expected = rows * (1 + copies);
            if (written != expected) {
              throw new IllegalStateException(
                  "Transfer set: wrote "
                      + written
                      + " rows, expected "
                      + expected
                      + "; nothing published");
            }
            return new Result(commit.targetPath(), rows, written);
          });
    }
  }

  /**
   * The published transfer set: its path, the input's rows and the rows written (input × (1 +
   * copies)).
   */
  public record Result(String outputPath, long inputRows, long rows) {}
}
