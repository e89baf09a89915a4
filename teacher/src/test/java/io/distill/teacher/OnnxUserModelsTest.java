package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.DatasetSchema;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ONNX teachers shaped like users' exports, written by the test build itself
 * (src/test/onnx/make_user_models.py, Debian's python3-onnx and python3-numpy): an MLP, a CNN with
 * BatchNormalization and NCHW input that expects normalised pixels, the same CNN behind an NHWC
 * Transpose, a residual block with GlobalAveragePool and open height and width, and a model ending
 * in Softmax. Their logits and soft labels through the project match what numpy computes, within
 * 1e-4.
 */
class OnnxUserModelsTest {
  private static final Configuration CONF = new Configuration();
  private static final int ROWS = 5;
  private static final TeacherInput NORMALISED =
      new TeacherInput(null, 1.0, List.of(0.1307), List.of(0.3081));
  @TempDir static Path dir;
  private static float[] inputs;

  @BeforeAll
  static void generate() throws Exception {
    Path script = Path.of("src/test/onnx/make_user_models.py").toAbsolutePath();
    Process p =
        new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the generator did not finish");
    assertEquals(
        0,
        p.exitValue(),
        "make_user_models.py failed (it needs Debian's python3-onnx and python3-numpy, which"
            + " .ci/run installs): "
            + output);
    inputs = floats(dir.resolve("inputs.f32"));
  }

  private static float[] floats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  private static INDArray numpy(String model) throws IOException {
    return Nd4j.create(floats(dir.resolve(model + ".logits.f32")), new long[] {ROWS, 10}, 'c');
  }

  private static TeacherModel load(String model, TeacherInput input) {
    return TeacherModelFile.load(dir.resolve(model + ".onnx").toString(), CONF, null, input);
  }

  private static void assertLogits(INDArray expected, TeacherModel teacher, String what) {
    INDArray got = teacher.logits(Nd4j.create(inputs, new long[] {ROWS, 784}, 'c'));
    double worst = got.sub(expected).amaxNumber().doubleValue();
    assertTrue(worst <= 1e-4, what + ": largest difference from numpy " + worst);
  }

  @Test
  void anMlpExportMatchesNumpy() throws IOException {
    TeacherModel teacher = load("mlp", TeacherInput.AS_IS);
    assertEquals("[n, 784]", teacher.inputShape());
    assertEquals(784 * 64 + 64 + 64 * 10 + 10, teacher.parameterCount());
    assertTrue(teacher.outputsAreLogits());
    assertLogits(numpy("mlp"), teacher, "mlp");
  }

  @Test
  void aCnnWithBatchNormOnNchwImagesMatchesNumpyWithItsDeclaredNormalisation() throws IOException {
    TeacherModel teacher = load("cnn", NORMALISED);
    assertEquals("[n, 1, 28, 28]", teacher.inputShape());
    assertEquals(784, teacher.inputSize());
    assertLogits(numpy("cnn"), teacher, "cnn");
    // Without the declared normalisation the same graph computes something else.
    INDArray raw =
        load("cnn", TeacherInput.AS_IS).logits(Nd4j.create(inputs, new long[] {ROWS, 784}, 'c'));
    assertTrue(raw.sub(numpy("cnn")).amaxNumber().doubleValue() > 1e-2);
  }

  @Test
  void theSameCnnBehindAnNhwcTransposeMatchesNumpy() throws IOException {
    TeacherModel teacher = load("cnn-nhwc", NORMALISED);
    assertEquals("[n, 28, 28, 1]", teacher.inputShape());
    assertLogits(numpy("cnn"), teacher, "cnn-nhwc");
  }

  @Test
  void aResidualBlockWithOpenHeightAndWidthTakesTheDeclaredShape() throws IOException {
    IllegalArgumentException open =
        assertThrows(IllegalArgumentException.class, () -> load("residual", TeacherInput.AS_IS));
    assertEquals(
        "Teacher file:"
            + dir.resolve("residual.onnx")
            + ": its input 'image' is [n, 1, ?, ?], with dimensions the graph leaves open; give one"
            + " row's shape as teacher.input-shape (e.g. [1, 28, 28])",
        open.getMessage());
    TeacherModel teacher =
        load("residual", new TeacherInput(List.of(1, 28, 28), 1.0, List.of(0.0), List.of(1.0)));
    assertEquals("[n, 1, 28, 28]", teacher.inputShape());
    assertLogits(numpy("residual"), teacher, "residual");
    IllegalArgumentException contradicts =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                load("cnn", new TeacherInput(List.of(28, 28, 1), 1.0, List.of(0.0), List.of(1.0))));
    assertTrue(
        contradicts
            .getMessage()
            .endsWith(
                "its input 'image' is [n, 1, 28, 28] but teacher.input-shape says [28, 28, 1]"),
        contradicts.getMessage());
  }

  @Test
  void aSoftmaxExportGivesLogProbabilitiesAsItsLogits() throws IOException {
    TeacherModel teacher = load("softmax", TeacherInput.AS_IS);
    assertTrue(!teacher.outputsAreLogits(), "its last op is a Softmax");
    assertLogits(Nd4j.math().log(numpy("softmax")), teacher, "softmax");
  }

  /**
   * The soft-label job over the five images with the CNN teacher: each row's logits and its softmax
   * at T = 2 as numpy's logits give them.
   */
  @Test
  void theSoftLabelJobWithTheCnnTeacherWritesNumpysLogitsAndTheirSoftmax() throws IOException {
    SparkSession spark = LocalSpark.session();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      List<Float> f = new ArrayList<>(784);
      for (int j = 0; j < 784; j++) {
        f.add(inputs[i * 784 + j]);
      }
      rows.add(RowFactory.create((long) i, f, i % 10));
    }
    String data = dir.resolve("five-images").toString();
    spark.createDataFrame(rows, DatasetSchema.SCHEMA).coalesce(2).write().parquet(data);
    String out = dir.resolve("soft").toString();
    SoftLabelAction.of(spark)
        .teacher(dir.resolve("cnn.onnx").toString())
        .teacherInput(NORMALISED)
        .data(data)
        .output(out)
        .temperature(2.0)
        .execute();
    INDArray expected = numpy("cnn");
    double worst = 0;
    for (Row r : spark.read().parquet(out).collectAsList()) {
      int i = (int) r.getLong(0);
      List<Float> logits = r.getList(1);
      List<Float> soft = r.getList(2);
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < 10; k++) {
        max = Math.max(max, expected.getDouble(i, k) / 2.0);
      }
      double sum = 0;
      for (int k = 0; k < 10; k++) {
        sum += Math.exp(expected.getDouble(i, k) / 2.0 - max);
      }
      for (int k = 0; k < 10; k++) {
        worst = Math.max(worst, Math.abs(logits.get(k) - expected.getDouble(i, k)));
        double p = Math.exp(expected.getDouble(i, k) / 2.0 - max) / sum;
        worst = Math.max(worst, Math.abs(soft.get(k) - p));
      }
    }
    assertTrue(worst <= 1e-4, "largest difference from numpy: " + worst);
  }

  /** What cannot be a teacher is refused with one line naming the file. */
  @Test
  void filesThatCannotBeTeachersAreRefusedWithOneLine() throws IOException {
    Path notOnnx = Files.writeString(dir.resolve("notes.onnx"), "not a model");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TeacherModelFile.load(notOnnx.toString(), CONF));
    assertTrue(
        e.getMessage().startsWith("Teacher file:" + notOnnx + " is not an ONNX model"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> load("two-inputs", TeacherInput.AS_IS));
    assertTrue(
        e.getMessage()
                .endsWith("has inputs [a, b]; a teacher needs exactly one input (the features)")
            || e.getMessage()
                .endsWith("has inputs [b, a]; a teacher needs exactly one input (the features)"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> load("flat-output", TeacherInput.AS_IS));
    assertTrue(
        e.getMessage()
            .endsWith("its output 'score' has shape [2] for 2 rows; expected [n, classes]"),
        e.getMessage());
  }
}
