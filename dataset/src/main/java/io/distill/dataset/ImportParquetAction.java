package io.distill.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.OutputKind;
import io.distill.core.SparkAction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a labelled dataset the way Spark users hold it into this project's layout ({@link
 * DatasetSchema}): a training and a test split, each a Parquet path written by any engine or a
 * Spark catalog table, with the id, features and label columns named by the caller; features an ML
 * {@code Vector} (what {@code VectorAssembler} produces) or array&lt;float|double&gt;, labels int
 * or double (Spark ML's convention; a whole number is required), and ids long or int, or generated
 * when the data has none ({@code monotonically_increasing_id()} over the input as read: stable as
 * long as the input files and Spark's file-split settings are).
 *
 * <p>The schema is checked first, naming the input, column, expected and got. Then every row: a row
 * whose features are missing, of another length than the others, or not finite, or whose label is
 * missing, not whole or outside [0, classes) is bad. Bad rows go to {@code quarantine/<split>/}
 * (id, reason and the row as read) while their count is at most {@link #maxBadRows}; above it the
 * action fails naming the first bad rows and publishes nothing. The good rows are published to
 * {@code output/train} and {@code output/test}.
 *
 * <p>Cost per split: one pass to find the bad rows, one to write the good ones (and one aggregation
 * for the features' length when it is not given); nothing is collected to the driver but counts and
 * the first three bad rows.
 */
public final class ImportParquetAction extends SparkAction<ImportParquetAction.Result> {
  /** A split of the imported dataset (earlier ones hold Spark's _SUCCESS). */
  public static final OutputKind SPLIT = new OutputKind("dataset-split", "_SUCCESS");

  /** A split's quarantined rows. */
  public static final OutputKind QUARANTINE = new OutputKind("quarantine", "_SUCCESS");

  private static final Logger LOG = LoggerFactory.getLogger(ImportParquetAction.class);
  private static final String REASON = "reason";

  /**
   * One split as published: its path, rows kept, rows quarantined and where they went (null when
   * none).
   */
  public record SplitResult(String path, long rows, long badRows, String quarantinePath) {}

  public record Result(
      String outputPath, SplitResult train, SplitResult test, int features, double seconds) {
    public String trainPath() {
      return train.path();
    }

    public String testPath() {
      return test.path();
    }
  }

  private String train;
  private String test;
  private String idColumn = DatasetSchema.ID;
  private String featuresColumn = DatasetSchema.FEATURES;
  private String labelColumn = DatasetSchema.LABEL;
  private final Map<String, Long> deltaVersions = new HashMap<>();
  private int features;
  private int classes;
  private long maxBadRows;
  private int copies;
  private String output;
  private String quarantine;

  private ImportParquetAction(SparkSession spark) {
    super(spark);
  }

  public static ImportParquetAction of(SparkSession spark) {
    return new ImportParquetAction(spark);
  }

  /** The training split: a Parquet path (any Hadoop FS URI) or a catalog table name. */
  public ImportParquetAction train(String source) {
    this.train = source;
    return this;
  }

  /** The test split: a Parquet path or a catalog table name. */
  public ImportParquetAction test(String source) {
    this.test = source;
    return this;
  }

  /** The columns holding the id (absent from the data = generated), the features and the label. */
  public ImportParquetAction columns(String id, String features, String label) {
    this.idColumn = id;
    this.featuresColumn = features;
    this.labelColumn = label;
    return this;
  }

  /** Values per row every row must have; 0 (default) = the length most training rows have. */
  public ImportParquetAction features(int count) {
    this.features = count;
    return this;
  }

  /** Labels must be in [0, classes); 0 (default) = any label from 0 up. */
  public ImportParquetAction classes(int count) {
    this.classes = count;
    return this;
  }

  /**
   * Jittered copies the transfer set will derive from each training row (default 0): copy k of row
   * i gets id i + k × (largest id + 1), so the import refuses ids that would overflow a long then.
   */
  public ImportParquetAction idHeadroomForCopies(int copies) {
    this.copies = copies;
    return this;
  }

  /**
   * How many bad rows per split go to the quarantine before the import fails instead (default 0).
   */
  public ImportParquetAction maxBadRows(long count) {
    this.maxBadRows = count;
    return this;
  }

  /** Where the splits are published ({@code output/train}, {@code output/test}). */
  public ImportParquetAction output(String dir) {
    this.output = dir;
    return this;
  }

  /** Where bad rows go ({@code quarantine/train}, {@code quarantine/test}). */
  public ImportParquetAction quarantine(String dir) {
    this.quarantine = dir;
    return this;
  }

  @Override
  protected String jobGroup() {
    return "import";
  }

  @Override
  protected String description() {
    return "Importing " + train + " and " + test;
  }

  @Override
  protected void validate() {
    require(train, "train(source)");
    require(test, "test(source)");
    require(output, "output(dir)");
    require(quarantine, "quarantine(dir)");
    require(featuresColumn, "columns(id, features, label)");
    require(labelColumn, "columns(id, features, label)");
    if (maxBadRows < 0) {
      throw new IllegalArgumentException("maxBadRows must be at least 0, cannot be: " + maxBadRows);
    }
  }

  @Override
  protected Result doExecute() {
    long started = System.nanoTime();
    Dataset<Row> trainRows = normalised(read(train), train);
    Dataset<Row> testRows = normalised(read(test), test);
    int width = features > 0 ? features : commonLength(trainRows);
    SplitResult trainResult = importSplit(trainRows, train, DatasetSchema.TRAIN, width);
    SplitResult testResult = importSplit(testRows, test, DatasetSchema.TEST, width);
    double seconds = (System.nanoTime() - started) / 1e9;
    LOG.info(
        "Imported {} ({} rows, {} quarantined) and {} ({} rows, {} quarantined), {} features, in {} s",
        train,
        trainResult.rows(),
        trainResult.badRows(),
        test,
        testResult.rows(),
        testResult.badRows(),
        width,
        String.format("%.1f", seconds));
    return new Result(output, trainResult, testResult, width, seconds);
  }

  /**
   * Reads the Delta table at {@code source} as of {@code version} (by default: its latest version
   * when the import starts).
   */
  public ImportParquetAction deltaVersion(String source, long version) {
    deltaVersions.put(source, version);
    return this;
  }

  /**
   * A Parquet path or Delta table (a directory with _delta_log) when it has a scheme or a slash or
   * exists as a path; else a catalog table.
   */
  private Dataset<Row> read(String source) {
    boolean path = source.contains("/") || source.contains(":");
    if (!path) {
      if (spark.catalog().tableExists(source)) {
        return spark.table(source);
      }
      path = true;
    }
    try {
      Path p = new Path(source);
      if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
        throw new IllegalArgumentException(
            "Input "
                + source
                + " does not exist (neither a Parquet path nor a table"
                + " in the catalog)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read input " + source + ": " + e.getMessage(), e);
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (DeltaTables.isDelta(source, conf)) {
      long version = deltaVersions.getOrDefault(source, -1L);
      if (version < 0) {
        version = DeltaTables.version(source, conf);
      }
      LOG.info("Input {} is a Delta table: reading version {}", source, version);
      return DeltaTables.read(spark, source, version);
    }
    return spark.read().parquet(source);
  }

  /** (id, features array<float>, label double, the row as read) after the schema checks. */
  private Dataset<Row> normalised(Dataset<Row> in, String source) {
    List<String> columns = List.of(in.columns());
    for (String c : List.of(featuresColumn, labelColumn)) {
      if (!columns.contains(c)) {
        throw new IllegalArgumentException(
            "Input "
                + source
                + " has no column '"
                + c
                + "' (columns: "
                + String.join(", ", columns)
                + ")");
      }
    }
    DataType f = in.schema().apply(featuresColumn).dataType();
    Column features;
    if (f.equals(SQLDataTypes.VectorType())) {
      features = org.apache.spark.ml.functions.vector_to_array(col(featuresColumn), "float32");
    } else if (f instanceof ArrayType a && (a.elementType() instanceof NumericType)) {
      features = col(featuresColumn).cast(DataTypes.createArrayType(DataTypes.FloatType));
    } else {
      throw new IllegalArgumentException(
          "Input "
              + source
              + ": column '"
              + featuresColumn
              + "' must be an ML Vector"
              + " or array<float|double>, got "
              + f.simpleString());
    }
    DataType l = in.schema().apply(labelColumn).dataType();
    if (!(l instanceof NumericType)) {
      throw new IllegalArgumentException(
          "Input "
              + source
              + ": column '"
              + labelColumn
              + "' must be int or double,"
              + " got "
              + l.simpleString());
    }
    Column id;
    if (columns.contains(idColumn)) {
      DataType i = in.schema().apply(idColumn).dataType();
      if (!i.equals(DataTypes.LongType) && !i.equals(DataTypes.IntegerType)) {
        throw new IllegalArgumentException(
            "Input "
                + source
                + ": column '"
                + idColumn
                + "' must be long or int, got "
                + i.simpleString());
      }
      id = col(idColumn).cast(DataTypes.LongType);
    } else {
      id = functions.monotonically_increasing_id();
    }
    return in.select(
        id.as(DatasetSchema.ID),
        features.as(DatasetSchema.FEATURES),
        col(labelColumn).cast(DataTypes.DoubleType).as(DatasetSchema.LABEL));
  }

  private int commonLength(Dataset<Row> rows) {
    describe("Import: the features' length most rows of " + train + " have");
    Row r =
        rows
            .where(col(DatasetSchema.FEATURES).isNotNull())
            .groupBy(functions.size(col(DatasetSchema.FEATURES)).as("n"))
            .count()
            .orderBy(col("count").desc(), col("n"))
            .limit(1)
            .collectAsList()
            .stream()
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "Input " + train + " has no rows with features: nothing to train on"));
    return r.getInt(0);
  }

  private Column reason(int width) {
    String range = classes > 0 ? " OR label >= " + classes : "";
    return expr(
        "CASE"
            + " WHEN id IS NULL THEN 'id is null'"
            + " WHEN id < 0 THEN concat('id is ', id, ', expected 0 or more')"
            + " WHEN features IS NULL THEN 'features is null'"
            + " WHEN size(features) <> "
            + width
            + " THEN concat('features has ', size(features), ' values, expected "
            + width
            + "')"
            + " WHEN exists(features, x -> x IS NULL OR isnan(x) OR abs(x) = float('Infinity'))"
            + " THEN 'features has a NaN, infinite or null value'"
            + " WHEN label IS NULL THEN 'label is null'"
            + " WHEN isnan(label) OR label <> floor(label) THEN concat('label is ', label, ', expected a whole number')"
            + " WHEN label < 0"
            + range
            + " THEN concat('label is ', CAST(label AS BIGINT), ', outside [0, "
            + (classes > 0 ? String.valueOf(classes) : "∞")
            + ")')"
            + " END");
  }

  /**
   * A split must keep rows; the training split at least two classes and ids that leave room for the
   * transfer set's copies. Each refusal is one line naming the input.
   */
  private void requireUsable(
      Dataset<Row> written, String source, String split, long rows, long badRows) {
    if (rows == 0) {
      throw new IllegalArgumentException(
          "Input "
              + source
              + " has no usable rows for the "
              + split
              + " split ("
              + badRows
              + " bad row"
              + (badRows == 1 ? "" : "s")
              + " quarantined): nothing to "
              + (split.equals(DatasetSchema.TRAIN) ? "train" : "evaluate")
              + " on");
    }
    if (!split.equals(DatasetSchema.TRAIN)) {
      return;
    }
    Row stats =
        written
            .agg(
                functions.countDistinct(col(DatasetSchema.LABEL)),
                functions.min(col(DatasetSchema.LABEL)),
                functions.max(col(DatasetSchema.ID)))
            .first();
    if (stats.getLong(0) < 2) {
      throw new IllegalArgumentException(
          "Input "
              + source
              + ": every training row has label "
              + stats.get(1)
              + "; a classifier needs at least two classes");
    }
    long maxId = stats.getLong(2);
    if (copies > 0 && maxId >= Long.MAX_VALUE / (copies + 1L)) {
      throw new IllegalArgumentException(
          "Input "
              + source
              + ": id "
              + maxId
              + " is too large for "
              + copies
              + " transfer-set copies per row (copy k of row i gets id i + k × (largest id + 1),"
              + " which must fit a long): renumber the ids below "
              + Long.MAX_VALUE / (copies + 1L)
              + ", or lower soft-labels.transfer-copies");
    }
  }

  private SplitResult importSplit(Dataset<Row> rows, String source, String split, int width) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Dataset<Row> checked = rows.withColumn(REASON, reason(width));
    AtomicDirectoryCommit bad =
        AtomicDirectoryCommit.begin(quarantine + "/" + split, conf, QUARANTINE);
    AtomicDirectoryCommit good = null;
    try {
      describe("Import: finding the bad rows of " + source);
      checked
          .where(col(REASON).isNotNull())
          .select(
              col(DatasetSchema.ID),
              col(REASON),
              col(DatasetSchema.FEATURES),
              col(DatasetSchema.LABEL))
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(bad.temporaryPath());
      Dataset<Row> quarantined = spark.read().parquet(bad.temporaryPath());
      long badRows = quarantined.count();
      if (badRows > maxBadRows) {
        List<String> first = new ArrayList<>();
        for (Row r : quarantined.orderBy(DatasetSchema.ID).limit(3).collectAsList()) {
          first.add("row id=" + r.get(0) + ": " + r.getString(1));
        }
        throw new IllegalArgumentException(
            "Input "
                + source
                + " has "
                + badRows
                + " bad row"
                + (badRows == 1 ? "" : "s")
                + ", more than the "
                + maxBadRows
                + " allowed (data.max-bad-rows); "
                + String.join("; ", first)
                + (badRows > 3 ? "; ..." : ""));
      }
      good = AtomicDirectoryCommit.begin(output + "/" + split, conf, SPLIT);
      describe("Import: writing the good rows of " + source);
      Dataset<Row> kept =
          checked
              .where(col(REASON).isNull())
              .select(
                  col(DatasetSchema.ID),
                  col(DatasetSchema.FEATURES),
                  col(DatasetSchema.LABEL).cast(DataTypes.IntegerType).as(DatasetSchema.LABEL));
      kept.write().mode(SaveMode.Overwrite).parquet(good.temporaryPath());
      Dataset<Row> written = spark.read().parquet(good.temporaryPath());
      long rowsKept = written.count();
      long distinct = written.select(DatasetSchema.ID).distinct().count();
      if (distinct != rowsKept) {
        Row dup =
            written
                .groupBy(DatasetSchema.ID)
                .count()
                .where("count > 1")
                .orderBy(DatasetSchema.ID)
                .first();
        throw new IllegalArgumentException(
            "Input "
                + source
                + ": id "
                + dup.get(0)
                + " appears "
                + dup.getLong(1)
                + " times; ids must be unique ("
                + idColumn
                + ")");
      }
      requireUsable(written, source, split, rowsKept, badRows);
      good.commit();
      String quarantinePath = null;
      if (badRows > 0) {
        bad.commit();
        quarantinePath = bad.targetPath();
        LOG.warn("Import: {} bad row(s) of {} quarantined in {}", badRows, source, quarantinePath);
      } else {
        bad.abort();
      }
      return new SplitResult(good.targetPath(), rowsKept, badRows, quarantinePath);
    } catch (RuntimeException e) {
      bad.abort();
      if (good != null) {
        good.abort();
      }
      throw e;
    }
  }
}
