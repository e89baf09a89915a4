package io.distill.serving;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.HadoopFiles;
import io.distill.core.OutputKind;
import io.distill.core.SparkAction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores a Parquet dataset with a distilled student (or a teacher) and publishes, atomically,
 * Parquet with one row per input row: its id, {@code prediction} (double), {@code probability} (ML
 * Vector) and, on request, {@code logits} (ML Vector), plus {@code _manifest.json} (model, its
 * sha256, rows, seconds). A missing model, an input without the id or features column, or a bad row
 * (features of the wrong size, NaN/Inf) fails with one line and publishes nothing.
 *
 * <p>Cost: one pass over the input ({@link DistilledModel#transform}: a forward pass per row on the
 * executors, no shuffle), one write, and one count of what was written to check it before
 * publishing.
 */
public final class ScoreAction extends SparkAction<ScoreAction.Result> {
  /** What the action publishes (earlier outputs hold its _manifest.json). */
  public static final OutputKind KIND = new OutputKind("scores", "_manifest.json");

  private static final Logger LOG = LoggerFactory.getLogger(ScoreAction.class);

  /** What was published. */
  public record Result(String outputPath, long rows, double seconds, String modelSha256) {
    public double rowsPerSecond() {
      return rows / seconds;
    }
  }

  private String model;
  private String data;
  private String output;
  private boolean logits;
  private int batchSize = 256;
  private String featuresColumn = "features";
  private String idColumn = "id";

  private ScoreAction(SparkSession spark) {
    super(spark);
  }

  public static ScoreAction of(SparkSession spark) {
    return new ScoreAction(spark);
  }

  /** The model: a DL4J zip, or a directory holding model.zip (a run's {@code students/<model>}). */
  public ScoreAction model(String path) {
    this.model = path;
    return this;
  }

  /**
   * The Parquet dataset to score: an id column and a features column (ML Vector or
   * array&lt;float|double&gt;).
   */
  public ScoreAction data(String path) {
    this.data = path;
    return this;
  }

  /** Where the scores are published (replaced whole if present). */
  public ScoreAction output(String path) {
    this.output = path;
    return this;
  }

  /** Whether a {@code logits} column is written too. */
  public ScoreAction logits(boolean value) {
    this.logits = value;
    return this;
  }

  public ScoreAction batchSize(int rows) {
    this.batchSize = rows;
    return this;
  }

  public ScoreAction featuresColumn(String name) {
    this.featuresColumn = name;
    return this;
  }

  public ScoreAction idColumn(String name) {
    this.idColumn = name;
    return this;
  }

  @Override
  protected String jobGroup() {
    return "score";
  }

  @Override
  protected String description() {
    return "Scoring " + data + " with " + model;
  }

  @Override
  protected void validate() {
    require(model, "model(path)");
    require(data, "data(path)");
    require(output, "output(path)");
    require(featuresColumn, "featuresColumn(name)");
    require(idColumn, "idColumn(name)");
    atLeast("batchSize", batchSize, 1);
  }

  @Override
  protected Result doExecute() throws Exception {
    long started = System.nanoTime();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    DistilledModel scorer =
        DistilledModel.fromNetwork(model, conf)
            .setFeaturesCol(featuresColumn)
            .setIdCol(idColumn)
            .setInputName(data)
            .setBatchSize(batchSize)
            .setLogitsCol(logits ? "logits" : "");
    Dataset<Row> input = spark.read().parquet(data);
    List<String> columns = List.of(input.columns());
    for (String required : List.of(idColumn, featuresColumn)) {
      if (!columns.contains(required)) {
        throw new IllegalArgumentException(
            "Input "
                + data
                + " has no column '"
                + required
                + "' (columns: "
                + String.join(", ", columns)
                + ")");
      }
    }
    Dataset<Row> scored = scorer.transform(input.select(idColumn, featuresColumn));
    List<Column> out =
        new ArrayList<>(
            List.of(
                functions.col(idColumn),
                functions.col("prediction"),
                functions.col("probability")));
    if (logits) {
      out.add(functions.col("logits"));
    }
    return AtomicDirectoryCommit.publish(
        output,
        conf,
        KIND,
        commit -> {
          describe("Scoring " + data + " with " + model + " -> " + output);
          scored
              .select(out.toArray(Column[]::new))
              .write()
              .mode(SaveMode.Overwrite)
              .parquet(commit.temporaryPath());
          describe("Scoring: checking the row count of " + output);
          long rows = spark.read().parquet(commit.temporaryPath()).count();
          double seconds = (System.nanoTime() - started) / 1e9;
          String sha256 = HadoopFiles.sha256Hex(scorer.networkBytes());
          Map<String, Object> manifest = new LinkedHashMap<>();
          manifest.put("model", model);
          manifest.put("modelSha256", sha256);
          manifest.put("data", data);
          manifest.put("rows", rows);
          manifest.put("logits", logits);
          manifest.put("createdAt", Instant.now().toString());
          manifest.put("codeVersion", HadoopFiles.codeVersion());
          manifest.put("seconds", seconds);
          HadoopFiles.writeJson(commit.temporaryPath() + "/_manifest.json", manifest, conf);
          LOG.info(
              "Scored {} rows of {} with {} in {} s -> {}",
              rows,
              data,
              model,
              String.format("%.1f", seconds),
              commit.targetPath());
          return new Result(commit.targetPath(), rows, seconds, sha256);
        });
  }
}
