package io.distill.serving;

import io.distill.core.DataSource;
import io.distill.core.HadoopFiles;
import io.distill.core.ModelArchive;
import io.distill.trainer.LabelLayout;
import io.distill.trainer.NetworkZips;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A distilled student (or any DL4J MultiLayerNetwork whose output layer emits logits, such as this
 * project's teachers) as a Spark ML {@link Model}: {@link #transform} appends {@code prediction}
 * (the class, as a double, Spark ML's convention), {@code probability} (an ML {@code Vector},
 * softmax of the logits) and, when {@link #logitsCol} is set, {@code logits} (an ML {@code
 * Vector}), computed on the executors in minibatches of {@link #batchSize} rows with the network
 * read once per executor JVM ({@link ExecutorNetworks}). The features column holds an ML {@code
 * Vector} (what {@code VectorAssembler} produces) or an array&lt;float|double&gt; of the network's
 * input size; a row that is not fails the task naming the input, its id (when there is an {@link
 * #idCol}), the column, what was expected and what was got.
 *
 * <p>It is {@link MLWritable} and readable by {@link #read()}, in Spark ML's own layout ({@code
 * metadata/} as {@code DefaultParamsWriter} writes it, plus {@code network/model.zip}), so it works
 * inside a {@code Pipeline} and a {@code PipelineModel} saved and loaded with {@code
 * write().save(path)} and {@code PipelineModel.load(path)} on any Hadoop FS path.
 *
 * <p>Cost of {@link #transform}: one pass over the rows, a forward pass per row (2 × parameters
 * flops for an MLP); the network's bytes are broadcast once per call; the rows keep their
 * partitioning (no shuffle).
 */
public final class DistilledModel extends Model<DistilledModel> implements MLWritable {
  private static final long serialVersionUID = 1L;
  static final String NETWORK = "network/model.zip";

  private final String uid;
  private final byte[] network;
  private final String sha256;
  private final int inputs;
  private final int classes;

  // Params are made in the constructor, after the uid they belong to (Param takes its parent's uid
  // when made).
  private final Param<String> featuresCol;
  private final Param<String> predictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> logitsCol;
  private final Param<String> idCol;
  private final Param<String> inputName;
  private final IntParam batchSize;

  DistilledModel(String uid, byte[] network, String source) {
    this.uid = uid;
    featuresCol =
        new Param<>(
            this,
            "featuresCol",
            "the features column: an ML Vector or array<float|double> of the network's input size");
    predictionCol = new Param<>(this, "predictionCol", "the predicted class column (a double)");
    probabilityCol =
        new Param<>(
            this,
            "probabilityCol",
            "the class probabilities column (an ML Vector, softmax of the logits)");
    logitsCol =
        new Param<>(this, "logitsCol", "the logits column (an ML Vector); empty = not written");
    idCol =
        new Param<>(
            this, "idCol", "the column naming a row in error messages, when the input has it");
    inputName = new Param<>(this, "inputName", "the input's name in error messages");
    batchSize =
        new IntParam(
            this,
            "batchSize",
            "rows per forward pass on an executor (> 0)",
            ParamValidators.gt(0.0));
    this.network = network.clone();
    this.sha256 = HadoopFiles.sha256Hex(network);
    MultiLayerNetwork net = restore(network, source);
    this.inputs = Math.toIntExact(LabelLayout.inputSize(net.getLayerWiseConfigurations()));
    this.classes = Math.toIntExact(net.layerSize(net.getnLayers() - 1));
    setDefault(featuresCol, "features");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(logitsCol, "");
    setDefault(idCol, "id");
    setDefault(inputName, "input");
    setDefault(batchSize, 256);
  }

  /**
   * The model in {@code path}: a DL4J model zip, or a directory holding one as {@code model.zip} (a
   * run's {@code students/<model>} directory), on any Hadoop FS path.
   *
   * @throws IllegalArgumentException naming the path when there is no model there or it is not a
   *     DL4J network
   */
  public static DistilledModel fromNetwork(String path, Configuration conf) {
    String file = path;
    try {
      if (!path.startsWith(DataSource.CLASSPATH_PREFIX)) {
        Path p = new Path(path);
        var fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
          throw new IllegalArgumentException("Model " + path + " does not exist");
        }
        if (fs.getFileStatus(p).isDirectory()) {
          file = path + "/model.zip";
          if (!fs.exists(new Path(file))) {
            throw new IllegalArgumentException(
                "Model " + path + " is a directory without a model.zip");
          }
        }
      }
      try (InputStream in = HadoopFiles.openRaw(file, conf)) {
        return new DistilledModel(
            Identifiable$.MODULE$.randomUID("distilled"), ModelArchive.readBounded(in, file), file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read model " + file + ": " + e.getMessage(), e);
    }
  }

  static MultiLayerNetwork restore(byte[] zip, String what) {
    try {
      return NetworkZips.restore(zip, what, false);
    } catch (ModelArchive.RefusedEntryException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "Model " + what + " is not a DL4J MultiLayerNetwork zip: " + e.getMessage(), e);
    }
  }

  // ---- params (Spark ML finds them by these public getters)

  public Param<String> featuresCol() {
    return featuresCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  public Param<String> logitsCol() {
    return logitsCol;
  }

  public Param<String> idCol() {
    return idCol;
  }

  public Param<String> inputName() {
    return inputName;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public DistilledModel setFeaturesCol(String value) {
    return (DistilledModel) set(featuresCol, value);
  }

  public DistilledModel setPredictionCol(String value) {
    return (DistilledModel) set(predictionCol, value);
  }

  public DistilledModel setProbabilityCol(String value) {
    return (DistilledModel) set(probabilityCol, value);
  }

  public DistilledModel setLogitsCol(String value) {
    return (DistilledModel) set(logitsCol, value);
  }

  public DistilledModel setIdCol(String value) {
    return (DistilledModel) set(idCol, value);
  }

  public DistilledModel setInputName(String value) {
    return (DistilledModel) set(inputName, value);
  }

  public DistilledModel setBatchSize(int value) {
    return (DistilledModel) set(batchSize, value);
  }

  /** Features per row the network takes. */
  public int numFeatures() {
    return inputs;
  }

  /** Classes the network predicts. */
  public int numClasses() {
    return classes;
  }

  byte[] networkBytes() {
    return network.clone();
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public DistilledModel copy(ParamMap extra) {
    DistilledModel copy = new DistilledModel(uid, network, "copied from " + uid);
    copy.setParent(parent());
    return copyValues(copy, extra);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String features = $(featuresCol);
    StructField field = null;
    for (StructField f : schema.fields()) {
      if (f.name().equals(features)) {
        field = f;
      }
    }
    if (field == null) {
      throw new IllegalArgumentException(
          "DistilledModel "
              + uid
              + ": the input has no features column '"
              + features
              + "' (columns: "
              + String.join(", ", schema.fieldNames())
              + ")");
    }
    DataType type = field.dataType();
    boolean array =
        type instanceof ArrayType a
            && (a.elementType().equals(DataTypes.FloatType)
                || a.elementType().equals(DataTypes.DoubleType));
    if (!array && !type.equals(SQLDataTypes.VectorType())) {
      throw new IllegalArgumentException(
          "DistilledModel "
              + uid
              + ": column '"
              + features
              + "' must be an ML Vector"
              + " or array<float|double>, got "
              + type.simpleString());
    }
    StructType out = schema;
    for (String column : outputColumns()) {
      if (List.of(schema.fieldNames()).contains(column)) {
        throw new IllegalArgumentException(
            "DistilledModel " + uid + ": the input already has a column '" + column + "'");
      }
    }
    out = out.add($(predictionCol), DataTypes.DoubleType, false);
    out = out.add($(probabilityCol), SQLDataTypes.VectorType(), false);
    if (!$(logitsCol).isEmpty()) {
      out = out.add($(logitsCol), SQLDataTypes.VectorType(), false);
    }
    return out;
  }

  private List<String> outputColumns() {
    List<String> columns = new ArrayList<>(List.of($(predictionCol), $(probabilityCol)));
    if (!$(logitsCol).isEmpty()) {
      columns.add($(logitsCol));
    }
    return columns;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = transformSchema(dataset.schema());
    Dataset<Row> rows = dataset.toDF();
    SparkSession spark = rows.sparkSession();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<byte[]> bytes = jsc.broadcast(network);
    List<String> names = List.of(rows.columns());
    String id = names.contains($(idCol)) ? $(idCol) : null;
    RowScorer scorer =
        new RowScorer(
            bytes,
            sha256,
            inputs,
            classes,
            names.indexOf($(featuresCol)),
            id == null ? -1 : names.indexOf(id),
            $(featuresCol),
            id,
            $(inputName),
            (Integer) $(batchSize),
            !$(logitsCol).isEmpty(),
            spark.sparkContext().getConf().getInt("spark.task.cpus", 1));
    JavaRDD<Row> scored = rows.javaRDD().mapPartitions(scorer::score);
    return spark.createDataFrame(scored, schema);
  }

  @Override
  public MLWriter write() {
    return new DistilledModelIo.Writer(this);
  }

  /**
   * Spark ML's reader of a saved DistilledModel (what {@code PipelineModel.load} calls by
   * reflection).
   */
  public static MLReader<DistilledModel> read() {
    return new DistilledModelIo.Reader();
  }

  /** {@code read().load(path)}. */
  public static DistilledModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return "DistilledModel(" + uid + ", " + inputs + " features, " + classes + " classes)";
  }
}
