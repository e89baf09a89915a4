package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A teacher exported as ONNX (fixtures written by src/test/onnx/make_mlp_onnx.py with Debian's
 * python3-onnx: a 784-32-10 MLP with known weights) gives the soft labels the same weights give as
 * a DL4J network, within 1e-5; Gemm attributes (defaults, transB, alpha, beta) compute what numpy
 * computes; an op the importer lacks is refused with one line naming the file.
 */
class OnnxTeacherTest {
  private static final Configuration CONF = new Configuration();
  @TempDir static Path dir;
  private static String onnxTeacher;
  private static String dl4jTeacher;

  @BeforeAll
  static void teachers() throws Exception {
    onnxTeacher = copy("mlp-784-32-10.onnx").toString();
    ByteBuffer weights =
        ByteBuffer.wrap(Files.readAllBytes(copy("mlp-784-32-10.weights")))
            .order(ByteOrder.LITTLE_ENDIAN);
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .list()
                .layer(
                    new DenseLayer.Builder().nIn(784).nOut(32).activation(Activation.RELU).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nIn(32)
                        .nOut(10)
                        .activation(Activation.IDENTITY)
                        .build())
                .build());
    net.init();
    net.getLayer(0)
        .setParam("W", Nd4j.create(floats(weights, 784 * 32), new long[] {784, 32}, 'c'));
    net.getLayer(0).setParam("b", Nd4j.create(floats(weights, 32), new long[] {1, 32}, 'c'));
    net.getLayer(1).setParam("W", Nd4j.create(floats(weights, 32 * 10), new long[] {32, 10}, 'c'));
    net.getLayer(1).setParam("b", Nd4j.create(floats(weights, 10), new long[] {1, 10}, 'c'));
    dl4jTeacher =
        TeacherModelFile.save(net, dir.resolve("same-weights.zip").toString(), null, CONF);
  }

  static String onnxPath() {
    return onnxTeacher;
  }

  static String dl4jPath() {
    return dl4jTeacher;
  }

  private static Path copy(String resource) throws Exception {
    Path target = dir.resolve(resource);
    try (var in = OnnxTeacherTest.class.getResourceAsStream("/onnx/" + resource)) {
      Files.copy(in, target);
    }
    return target;
  }

  private static float[] floats(ByteBuffer buffer, int n) {
    float[] out = new float[n];
    buffer.asFloatBuffer().get(out);
    buffer.position(buffer.position() + 4 * n);
    return out;
  }

  @Test
  void anOnnxTeacherLoadsWithItsShape() {
    TeacherModel teacher = TeacherModelFile.load(onnxTeacher, CONF);
    assertEquals(TeacherModel.Kind.ONNX, teacher.kind());
    assertEquals(784, teacher.inputSize());
    assertEquals(10, teacher.numClasses());
    assertEquals(784 * 32 + 32 + 32 * 10 + 10, teacher.parameterCount());
    assertTrue(teacher.outputsAreLogits());
  }

  @Test
  void itsSoftLabelsEqualThoseOfTheSameWeightsInDl4j() {
    SparkSession spark = LocalSpark.session();
    String data = EmbeddedMnist.imported().testPath();
    Map<Long, float[]> fromOnnx =
        softLabels(spark, onnxTeacher, data, dir.resolve("onnx-soft").toString());
    Map<Long, float[]> fromDl4j =
        softLabels(spark, dl4jTeacher, data, dir.resolve("dl4j-soft").toString());
    assertEquals(1000, fromOnnx.size());
    double worst = 0;
    for (Map.Entry<Long, float[]> e : fromDl4j.entrySet()) {
      float[] a = e.getValue();
      float[] b = fromOnnx.get(e.getKey());
      for (int j = 0; j < a.length; j++) {
        worst = Math.max(worst, Math.abs(a[j] - b[j]));
      }
    }
    assertTrue(worst <= 1e-5, "largest difference of teacher logits and soft labels: " + worst);
  }

  /** id → the teacher's logits then its soft labels at T = 4, through the soft-label job. */
  private static Map<Long, float[]> softLabels(
      SparkSession spark, String teacher, String data, String out) {
    SoftLabelAction.of(spark).teacher(teacher).data(data).output(out).temperature(4.0).execute();
    Map<Long, float[]> rows = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      List<Float> logits = r.getList(1);
      List<Float> soft = r.getList(2);
      float[] both = new float[logits.size() + soft.size()];
      for (int j = 0; j < logits.size(); j++) {
        both[j] = logits.get(j);
        both[logits.size() + j] = soft.get(j);
      }
      rows.put(r.getLong(0), both);
    }
    return rows;
  }

  @Test
  void batchesOfChangingSizeGiveTheLogitsOfTheSameWeightsInDl4j() {
    TeacherModel onnx = TeacherModelFile.load(onnxTeacher, CONF);
    TeacherModel dl4j = TeacherModelFile.load(dl4jTeacher, CONF);
    Nd4j.getRandom().setSeed(7);
    INDArray batch = Nd4j.rand(DataType.FLOAT, 256, 784);
    INDArray row = batch.getRow(3, true).dup();
    INDArray other = Nd4j.rand(DataType.FLOAT, 100, 784);
    for (INDArray x : List.of(batch, row, other, batch, row)) {
      double worst = onnx.logits(x).sub(dl4j.logits(x)).amaxNumber().doubleValue();
      assertTrue(worst <= 1e-5, "batch of " + x.rows() + ": largest difference " + worst);
    }
    double copy = onnx.copy().logits(batch).sub(dl4j.logits(batch)).amaxNumber().doubleValue();
    assertTrue(copy <= 1e-5, "a copy's largest difference " + copy);
  }

  @Test
  void gemmAttributesAndTheirDefaultsComputeWhatOnnxSays() throws Exception {
    TeacherModel teacher = TeacherModelFile.load(copy("gemm-attributes.onnx").toString(), CONF);
    float[] x = new float[784];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 7) / 7f;
    }
    INDArray in =
        Nd4j.vstack(
            Nd4j.create(x, new long[] {1, 784}, 'c'),
            Nd4j.create(x, new long[] {1, 784}, 'c').muli(0.5f));
    ByteBuffer numpy =
        ByteBuffer.wrap(Files.readAllBytes(copy("gemm-attributes.logits")))
            .order(ByteOrder.LITTLE_ENDIAN);
    INDArray expected = Nd4j.create(floats(numpy, 20), new long[] {2, 10}, 'c');
    INDArray got = teacher.logits(in);
    assertTrue(expected.equalsWithEps(got, 1e-5), "numpy " + expected + " vs imported " + got);
  }

  @Test
  void anOpTheImporterLacksIsNamed() throws Exception {
    String file = copy("unknown-op.onnx").toString();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TeacherModelFile.load(file, CONF));
    assertEquals(
        "Teacher file:"
            + file
            + " uses the ONNX op 'io.distill.test:NoSuchOp', which ONNX Runtime 1.20.0 does not"
            + " have",
        e.getMessage());
  }
}
