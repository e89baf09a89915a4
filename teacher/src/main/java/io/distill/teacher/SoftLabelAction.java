package io.distill.teacher;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.HadoopFiles;
import io.distill.core.OutputKind;
import io.distill.core.RowProgress;
import io.distill.core.SparkAction;
import io.distill.dataset.DatasetSchema;
import io.distill.dataset.RowIds;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a teacher over a labelled dataset as a Spark job and publishes its soft labels as Parquet:
 * one row per input row with its {@code id}, the teacher's logits and softmax(logits / T) — or,
 * with {@link #topK}, only the k largest probabilities and their classes (see {@link
 * SoftLabelSchema}) — plus {@code _manifest.json} (teacher path and sha256, temperature, dataset,
 * rows, created-at, code version, seconds). The features are not copied: a trainer joins the soft
 * labels back to the rows by id. The rows are read in Spark's internal format and copied straight
 * into the teacher's minibatches ({@link TeacherInference}).
 *
 * <p>The driver checks everything it can before the job: the temperature, the teacher file (it must
 * load), and that the teacher's input size equals the features' length. Then each task borrows a
 * teacher from its executor JVM (read from the file once per JVM, see {@link ExecutorTeachers}) and
 * runs it over its rows in minibatches of {@link #batchSize}, with ND4J limited to {@code
 * spark.task.cpus} threads. A bad row (features of the wrong length or with NaN/Inf, a label
 * outside the teacher's classes [0, K)) fails the job naming the dataset, row id and field. The
 * output is written to a hidden temporary directory, its row count checked against the input's, and
 * only then renamed into place; on any failure nothing is published, and a rerun replaces an
 * earlier output whole.
 *
 * <p>Given soft labels this teacher already made for some of the rows ({@link #known}), those rows
 * take them and the teacher runs over the others only (an anti-join on id).
 *
 * <p>Cost: one read of the input, one forward pass per row (2 × parameters flops for an MLP), one
 * write of {@code 8 + 8·K} bytes a row before compression ({@code 8 + 8·k} with top-k); no shuffle;
 * parallelism is the input's partitioning ({@link #partitions} repartitions first, one shuffle).
 */
public final class SoftLabelAction extends SparkAction<SoftLabelAction.Result> {
  /** What the job publishes (earlier outputs hold its _manifest.json). */
  public static final OutputKind KIND = new OutputKind("soft-labels", SoftLabelSchema.MANIFEST);

  private static final Logger LOG = LoggerFactory.getLogger(SoftLabelAction.class);

  private String teacherPath;
  private TeacherInput teacherInput = TeacherInput.AS_IS;
  private String dataPath;
  private Dataset<Row> dataRows;
  private String output;
  private Dataset<Row> known;
  private String knownName;

  /** Default examples per teacher inference call. */
  public static final int DEFAULT_BATCH_SIZE = 256;

  private double temperature = Double.NaN;
  private int batchSize = DEFAULT_BATCH_SIZE;
  private int topK = 0;
  private int partitions = 0;

  private SoftLabelAction(SparkSession spark) {
    super(spark);
  }

  public static SoftLabelAction of(SparkSession spark) {
    return new SoftLabelAction(spark);
  }

  /**
   * The teacher model file on any Hadoop FS path: a DL4J zip, or an ONNX model run by ONNX Runtime
   * ({@link TeacherModelFile#load}).
   */
  public SoftLabelAction teacher(String path) {
    this.teacherPath = path;
    return this;
  }

  /**
   * What an ONNX teacher's graph takes: its row shape where the graph leaves it open, and how the
   * features are scaled for it (default: as they are).
   */
  public SoftLabelAction teacherInput(TeacherInput input) {
    this.teacherInput = Objects.requireNonNull(input, "input");
    return this;
  }

  /** A labelled dataset (Parquet with id, features, label). */
  public SoftLabelAction data(String path) {
    this.dataPath = path;
    this.dataRows = null;
    return this;
  }

  /**
   * Rows already read (id, features, label), e.g. those of a dataset that have no soft labels yet;
   * {@code name} names them in messages and the manifest.
   */
  public SoftLabelAction data(Dataset<Row> rows, String name) {
    this.dataRows = Objects.requireNonNull(rows, "rows");
    this.dataPath = Objects.requireNonNull(name, "name");
    return this;
  }

  /**
   * Soft labels this teacher made at these settings for some of the rows already (e.g. the training
   * split's, for a transfer set of those rows and their jittered copies): a row whose id has one
   * takes it as it is, and the teacher runs over the other rows only. Its columns must be this
   * action's output columns; the output still holds exactly one row per input row.
   */
  public SoftLabelAction known(Dataset<Row> softLabels, String name) {
    this.known = Objects.requireNonNull(softLabels, "softLabels");
    this.knownName = Objects.requireNonNull(name, "name");
    return this;
  }

  /** Where the soft-label dataset goes; replaced whole when it exists. */
  public SoftLabelAction output(String path) {
    this.output = path;
    return this;
  }

  /** T of softmax(logits / T); positive and finite. */
  public SoftLabelAction temperature(double t) {
    if (!(t > 0) || Double.isInfinite(t)) {
      throw new IllegalArgumentException(
          "temperature must be positive and finite, cannot be: " + t);
    }
    this.temperature = t;
    return this;
  }

  /** Rows per teacher forward pass; default 256. */
  public SoftLabelAction batchSize(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, cannot be: " + rows);
    }
    this.batchSize = rows;
    return this;
  }

  /**
   * Keep only the k largest probabilities (and their classes) instead of the full logits and soft
   * labels; 0 = all.
   */
  public SoftLabelAction topK(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("topK must be at least 0, cannot be: " + k);
    }
    this.topK = k;
    return this;
  }

  /**
   * Repartition the input into this many tasks first; 0 (default) keeps the input's partitioning.
   */
  public SoftLabelAction partitions(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("partitions must be at least 0, cannot be: " + n);
    }
    this.partitions = n;
    return this;
  }

  @Override
  protected String jobGroup() {
    return "soft-labels";
  }

  @Override
  protected String description() {
    return "Soft labels: checking " + dataPath + " and teacher " + teacherPath;
  }

  @Override
  protected void validate() {
    require(teacherPath, "teacher(path)");
    require(dataPath, "data(path)");
    require(output, "output(path)");
    if (Double.isNaN(temperature)) {
      throw new IllegalStateException("No temperature set: call temperature(T) before execute()");
    }
  }

  @Override
  protected Result doExecute() throws Exception {
    long started = System.nanoTime();
    Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
    {
      // The bytes the driver hashes are the bytes every executor must read (checked as they load
      // the teacher).
      String sha256 = HadoopFiles.sha256(teacherPath, hadoopConf);
      TeacherModel teacher = driverTeacher(sha256, hadoopConf);
      if (topK > teacher.numClasses()) {
        throw new IllegalArgumentException(
            "topK must be at most the teacher's "
                + teacher.numClasses()
                + " classes, cannot be: "
                + topK);
      }
      Dataset<Row> input = dataRows != null ? dataRows : spark.read().parquet(dataPath);
      DatasetSchema.requireLabelledDataset(input.schema(), dataPath);
      long rows = input.count();
      if (rows == 0) {
        throw new IllegalArgumentException("Dataset " + dataPath + " is empty: no rows to label");
      }
      Row first =
          input
              .select(
                  functions.col(DatasetSchema.ID),
                  functions.size(functions.col(DatasetSchema.FEATURES)))
              .first();
      if (first.getInt(1) != teacher.inputSize()) {
        throw new IllegalArgumentException(
            String.format(
                "Teacher %s takes %s (%d values per row) but the features of dataset %s have %d"
                    + " values (row id=%d)",
                teacherPath,
                teacher.inputShape(),
                teacher.inputSize(),
                dataPath,
                first.getInt(1),
                first.getLong(0)));
      }

      StructType schema = topK > 0 ? SoftLabelSchema.topK() : SoftLabelSchema.full();
      Dataset<Row> reused = null;
      Dataset<Row> toLabel = input;
      long fresh = rows;
      if (known != null) {
        requireColumns(known.schema(), schema, knownName);
        Column[] columns =
            Arrays.stream(schema.fieldNames()).map(functions::col).toArray(Column[]::new);
        reused = RowIds.presentIn(known, input).select(columns);
        // Counted, then labelled: the anti-join runs once, its rows kept or spilled to disk.
        toLabel = RowIds.absentFrom(input, known).persist(StorageLevel.MEMORY_AND_DISK());
        describe("Soft labels: rows of " + dataPath + " without soft labels in " + knownName);
        fresh = toLabel.count();
      }
      try {
        return publish(hadoopConf, sha256, teacher, toLabel, reused, schema, rows, fresh, started);
      } finally {
        if (toLabel != input) {
          toLabel.unpersist();
        }
      }
    }
  }

  private static void requireColumns(StructType got, StructType expected, String name) {
    List<String> have =
        Arrays.stream(got.fields()).map(f -> f.name() + " " + f.dataType().simpleString()).toList();
    List<String> need =
        Arrays.stream(expected.fields())
            .map(f -> f.name() + " " + f.dataType().simpleString())
            .toList();
    if (!have.containsAll(need)) {
      throw new IllegalArgumentException(
          "Soft labels "
              + name
              + " have columns "
              + have
              + ", expected "
              + need
              + " (this teacher's output at the same settings)");
    }
  }

  /**
   * The teacher over {@code toLabel}, with the {@code reused} soft labels (or null) beside them,
   * published whole once its row count is checked against the input's {@code rows}.
   */
  private Result publish(
      Configuration hadoopConf,
      String sha256,
      TeacherModel teacher,
      Dataset<Row> toLabel,
      Dataset<Row> reused,
      StructType schema,
      long rows,
      long fresh,
      long started)
      throws Exception {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return AtomicDirectoryCommit.publish(
        output,
        hadoopConf,
        KIND,
        commit -> {
          Broadcast<SerializableConfiguration> conf =
              jsc.broadcast(new SerializableConfiguration(hadoopConf));
          RowProgress progress = RowProgress.start(spark.sparkContext(), "Soft labels", fresh, LOG);
          try {
            TeacherInference inference =
                new TeacherInference(
                    teacherPath,
                    sha256,
                    teacherInput,
                    dataPath,
                    (int) teacher.inputSize(),
                    (int) teacher.numClasses(),
                    temperature,
                    batchSize,
                    topK,
                    spark.sparkContext().getConf().getInt("spark.task.cpus", 1),
                    conf,
                    progress.counter());
            Dataset<Row> source =
                toLabel.select(DatasetSchema.ID, DatasetSchema.FEATURES, DatasetSchema.LABEL);
            if (partitions > 0) {
              source = source.repartition(partitions);
            }
            JavaRDD<Row> labelled =
                source.queryExecution().toRdd().toJavaRDD().mapPartitions(inference::label);

            describe(
                String.format(
                    "Soft labels at T=%s for %,d rows of %s with teacher %s%s",
                    temperature,
                    fresh,
                    dataPath,
                    teacherPath,
                    topK > 0 ? " (top " + topK + ")" : ""));
            Dataset<Row> out = spark.createDataFrame(labelled, schema);
            (reused == null ? out : out.unionByName(reused))
                .write()
                .mode(SaveMode.Overwrite)
                // Ids, logits and probabilities are nearly all distinct: Parquet's dictionary for
                // them grows, fails and
                // is re-encoded plain (the largest Java cost in a profile of the tasks); top-k's
                // class indices repeat.
                .option("parquet.enable.dictionary", topK > 0)
                .parquet(commit.temporaryPath()); // our own, empty, temporary directory
          } finally {
            progress.close();
            conf.destroy();
          }
          describe("Soft labels: checking the row count of " + output);
          long written = spark.read().parquet(commit.temporaryPath()).count();
          if (written != rows) {
            throw new IllegalStateException(
                "Soft labels: wrote "
                    + written
                    + " rows for "
                    + rows
                    + " input rows of "
                    + dataPath
                    + "; nothing published");
          }
          double seconds = (System.nanoTime() - started) / 1e9;
          Map<String, Object> manifest = new LinkedHashMap<>();
          manifest.put("teacher", teacherPath);
          manifest.put("teacherSha256", sha256);
          manifest.put("teacherInput", teacherInput); // the shape and scaling it was given
          manifest.put("teacherParameters", teacher.parameterCount());
          manifest.put("temperature", temperature);
          manifest.put("topK", topK);
          manifest.put("dataset", dataPath);
          manifest.put("rows", rows);
          manifest.put("labelledRows", fresh);
          if (known != null) {
            manifest.put("reusedRows", rows - fresh);
            manifest.put("reusedFrom", knownName);
          }
          manifest.put("classes", teacher.numClasses());
          manifest.put("createdAt", Instant.now().toString());
          manifest.put("codeVersion", HadoopFiles.codeVersion());
          manifest.put("seconds", seconds);
          HadoopFiles.writeJson(
              commit.temporaryPath() + "/" + SoftLabelSchema.MANIFEST, manifest, hadoopConf);
          LOG.info(
              "Soft labels: {} rows at T={} in {} s ({} rows/s){} -> {}",
              rows,
              temperature,
              String.format("%.1f", seconds),
              String.format("%.0f", fresh / seconds),
              known == null
                  ? ""
                  : ", "
                      + fresh
                      + " labelled by the teacher, "
                      + (rows - fresh)
                      + " from "
                      + knownName,
              commit.targetPath());
          return new Result(
              commit.targetPath(), rows, fresh, seconds, sha256, teacher.parameterCount());
        });
  }

  /**
   * The teacher the driver checks the job against. In local mode the driver's JVM is the
   * executor's, so the teacher is borrowed from (and given back to) the pool its tasks borrow from:
   * the file is read once per JVM, not once per job and again for the tasks. On a cluster the
   * driver reads it for the check and lets it go.
   */
  private TeacherModel driverTeacher(String sha256, Configuration hadoopConf) {
    if (!spark.sparkContext().isLocal()) {
      return TeacherModelFile.load(teacherPath, hadoopConf, sha256, teacherInput);
    }
    TeacherModel teacher = ExecutorTeachers.borrow(teacherPath, sha256, teacherInput, hadoopConf);
    ExecutorTeachers.giveBack(
        teacherPath,
        sha256,
        teacherInput,
        teacher); // only its sizes are read below, never its network
    return teacher;
  }

  /**
   * The published soft labels: where, how many rows, how many of them the teacher labelled (the
   * others came from {@link #known}), the time, and which teacher made them.
   */
  public record Result(
      String outputPath,
      long rows,
      long labelledRows,
      double seconds,
      String teacherSha256,
      long teacherParameters) {
    /** Rows the teacher labelled per second. */
    public double rowsPerSecond() {
      return labelledRows / seconds;
    }
  }
}
