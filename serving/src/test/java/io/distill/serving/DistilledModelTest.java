package io.distill.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.HadoopFiles;
import io.distill.core.LocalSpark;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.example.gadget.Gadget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DistilledModel in Spark local[2] on a real (randomly initialised) DL4J network: its outputs equal
 * the network's own forward pass, it runs inside a Pipeline saved and loaded by Spark ML's
 * persistence, and bad input fails with one line naming the row.
 */
class DistilledModelTest {
  private static final int FEATURES = 4;
  private static final int CLASSES = 3;
  private static final int ROWS = 601;

  @TempDir static Path dir;
  private static MultiLayerNetwork network;
  private static String modelDir;

  @BeforeAll
  static void network() throws Exception {
    network =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(7)
                .list()
                .layer(
                    new DenseLayer.Builder()
                        .nIn(FEATURES)
                        .nOut(8)
                        .activation(Activation.TANH)
                        .build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(8)
                        .nOut(CLASSES)
                        .activation(Activation.IDENTITY)
                        .build())
                .build());
    network.init();
    Path students = Files.createDirectories(dir.resolve("run/students/8-distilled"));
    ModelSerializer.writeModel(network, students.resolve("model.zip").toFile(), false);
    modelDir = students.toUri().toString();
  }

  private static double[] features(int i) {
    return new double[] {Math.sin(i), Math.cos(0.7 * i), (i % 13) / 13.0 - 0.5, (i % 7) / 3.5 - 1};
  }

  /** Rows (id, a, b, c, d): raw columns as a VectorAssembler expects them. */
  private static Dataset<Row> rawColumns(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      double[] f = features(i);
      rows.add(RowFactory.create((long) i, f[0], f[1], f[2], f[3]));
    }
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("a", DataTypes.DoubleType)
            .add("b", DataTypes.DoubleType)
            .add("c", DataTypes.DoubleType)
            .add("d", DataTypes.DoubleType);
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  private static float[] expectedLogits(int i) {
    double[] f = features(i);
    float[] x = new float[FEATURES];
    for (int j = 0; j < FEATURES; j++) {
      x[j] = (float) f[j];
    }
    return network.output(Nd4j.create(x, new long[] {1, FEATURES}, 'c'), false).toFloatVector();
  }

  private static void assertScores(List<Row> scored, boolean withLogits) {
    assertEquals(ROWS, scored.size());
    for (Row r : scored) {
      int i = (int) r.getLong(r.fieldIndex("id"));
      float[] z = expectedLogits(i);
      int best = 0;
      for (int j = 1; j < CLASSES; j++) {
        best = z[j] > z[best] ? j : best;
      }
      assertEquals(best, r.getDouble(r.fieldIndex("prediction")), "row " + i);
      double[] p = ((Vector) r.get(r.fieldIndex("probability"))).toArray();
      double max = Math.max(z[0], Math.max(z[1], z[2]));
      double sum = 0;
      for (float v : z) {
        sum += Math.exp(v - max);
      }
      for (int j = 0; j < CLASSES; j++) {
        assertEquals(Math.exp(z[j] - max) / sum, p[j], 1e-6, "row " + i + " class " + j);
      }
      if (withLogits) {
        double[] logits = ((Vector) r.get(r.fieldIndex("logits"))).toArray();
        for (int j = 0; j < CLASSES; j++) {
          assertEquals(z[j], logits[j], 1e-6);
        }
      }
    }
  }

  @Test
  void scoresInsideAPipelineSavedAndLoadedBySparkMl() throws Exception {
    SparkSession spark = LocalSpark.session();
    DistilledModel model =
        DistilledModel.fromNetwork(modelDir, spark.sparkContext().hadoopConfiguration())
            .setBatchSize(64);
    assertEquals(FEATURES, model.numFeatures());
    assertEquals(CLASSES, model.numClasses());
    VectorAssembler assembler =
        new VectorAssembler()
            .setInputCols(new String[] {"a", "b", "c", "d"})
            .setOutputCol("features");
    PipelineModel fitted =
        new Pipeline().setStages(new PipelineStage[] {assembler, model}).fit(rawColumns(spark));
    List<Row> scored = fitted.transform(rawColumns(spark)).collectAsList();
    assertScores(scored, false);
    assertEquals(
        1,
        ExecutorNetworks.loads(HadoopFiles.sha256Hex(model.networkBytes())),
        "the network is restored once per JVM, then cloned per task thread");

    String saved = dir.resolve("pipeline").toUri().toString();
    fitted.write().overwrite().save(saved);
    assertTrue(
        Files.exists(dir.resolve("pipeline/stages/1_" + model.uid() + "/network/model.zip")));
    PipelineModel loaded = PipelineModel.load(saved);
    DistilledModel back = (DistilledModel) loaded.stages()[1];
    assertEquals(model.uid(), back.uid());
    assertEquals(64, (int) (Integer) back.getOrDefault(back.batchSize()));
    assertArrayEquals(model.networkBytes(), back.networkBytes());
    assertScores(loaded.transform(rawColumns(spark)).collectAsList(), false);
  }

  @Test
  void takesArraysOfFloatsOrDoublesAndWritesLogitsOnRequest() {
    SparkSession spark = LocalSpark.session();
    DistilledModel model =
        DistilledModel.fromNetwork(
                modelDir + "/model.zip", spark.sparkContext().hadoopConfiguration())
            .setLogitsCol("logits")
            .setFeaturesCol("pixels");
    Dataset<Row> doubles = rawColumns(spark).selectExpr("id", "array(a, b, c, d) AS pixels");
    assertScores(model.transform(doubles).collectAsList(), true);
    Dataset<Row> floats =
        rawColumns(spark)
            .selectExpr(
                "id",
                "array(CAST(a AS float), CAST(b AS float), CAST(c AS float), CAST(d AS float)) AS pixels");
    assertScores(model.transform(floats).collectAsList(), true);
    StructType schema = model.transformSchema(floats.schema());
    assertEquals(DataTypes.DoubleType, schema.apply("prediction").dataType());
    assertEquals(SQLDataTypes.VectorType(), schema.apply("probability").dataType());
  }

  @Test
  void badInputFailsWithOneLineNamingTheRow() {
    SparkSession spark = LocalSpark.session();
    DistilledModel model =
        DistilledModel.fromNetwork(modelDir, spark.sparkContext().hadoopConfiguration())
            .setInputName("scores.parquet");
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("features", SQLDataTypes.VectorType());
    Dataset<Row> shortRow =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1L, Vectors.dense(1, 2, 3, 4)),
                RowFactory.create(17L, Vectors.dense(1, 2, 3))),
            schema);
    Exception e = assertThrows(Exception.class, () -> model.transform(shortRow).collectAsList());
    assertEquals(
        "Input scores.parquet, row id=17: features has 3 values, expected 4",
        HadoopFiles.userError(e).getMessage());

    Dataset<Row> nan =
        spark.createDataFrame(
            List.of(RowFactory.create(5L, Vectors.dense(1, Double.NaN, 3, 4))), schema);
    e = assertThrows(Exception.class, () -> model.transform(nan).collectAsList());
    assertEquals(
        "Input scores.parquet, row id=5: features[1] is NaN, expected a finite number",
        HadoopFiles.userError(e).getMessage());

    IllegalArgumentException noColumn =
        assertThrows(
            IllegalArgumentException.class,
            () -> model.transform(shortRow.withColumnRenamed("features", "x")));
    assertTrue(
        noColumn.getMessage().contains("no features column 'features' (columns: id, x)"),
        noColumn.getMessage());
    IllegalArgumentException wrongType =
        assertThrows(
            IllegalArgumentException.class,
            () -> model.transform(shortRow.selectExpr("id", "'x' AS features")));
    assertTrue(
        wrongType.getMessage().contains("must be an ML Vector or array<float|double>, got string"),
        wrongType.getMessage());
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DistilledModel.fromNetwork(
                    dir.resolve("nothing").toUri().toString(),
                    spark.sparkContext().hadoopConfiguration()));
    assertTrue(missing.getMessage().endsWith("does not exist"), missing.getMessage());
  }

  /**
   * score --model, DistilledModel.fromNetwork and DistilledModel.load all restore through one
   * constructor: a model zip holding a Java object is refused there, unread.
   */
  @Test
  void aModelZipWithAJavaObjectEntryIsRefusedUnread() throws Exception {
    byte[] zip = Files.readAllBytes(Path.of(URI.create(modelDir)).resolve("model.zip"));
    Path bad = Files.write(dir.resolve("gadget-model.zip"), Gadget.inModelZip(zip));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DistilledModel.fromNetwork(
                    bad.toString(), LocalSpark.session().sparkContext().hadoopConfiguration()));
    assertTrue(
        e.getMessage().contains(bad.toString())
            && e.getMessage().contains("holds entry 'preprocessor.bin'"),
        e.getMessage());
    assertFalse(Gadget.ran, "the object was deserialized");
  }
}
