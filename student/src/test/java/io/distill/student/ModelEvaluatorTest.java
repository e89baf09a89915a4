package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.dataset.EmbeddedMnist;
import io.distill.losses.DistillationLoss;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ModelEvaluatorTest {
  private static final ModelEvaluator EVALUATOR = ModelEvaluator.builder().latencyCalls(200).build();

  private static MultiLayerNetwork teacher;
  private static MultiLayerNetwork student;
  private static TestSet test;
  private static ModelMetrics studentMetrics;

  @BeforeAll
  static void trainTwoNetworks() {
    TestSet train = TestSet.of(EmbeddedMnist.train().where("id < 2000"));
    teacher = StudentNets.fit(StudentNets.mlp(64, 1), train, 2);
    student = StudentNets.fit(StudentNets.mlp(32, 2), train, 2);
    test = TestSet.of(EmbeddedMnist.test()).withTeacherLogits(LogitsModel.of(teacher));
    studentMetrics = EVALUATOR.evaluate(ModelDescription.distilled("32", 4.0, 0.5, 1.5, 2), student, test);
  }

  @Test
  void accuracyAndErrorsEqualAnIndependentCount() {
    INDArray predicted = student.output(test.features(), false).argMax(1);
    long errors = 0;
    for (int i = 0; i < test.size(); i++) {
      if (predicted.getInt(i) != test.label(i)) {
        errors++;
      }
    }
    assertEquals(1000, studentMetrics.testExamples());
    assertEquals(errors, studentMetrics.testErrors());
    assertEquals(1.0 - errors / 1000.0, studentMetrics.testAccuracy(), 1e-12);
    assertTrue(studentMetrics.testAccuracy() > 0.7, "a briefly trained MLP should beat 70%: " + studentMetrics);
  }

  @Test
  void agreementEqualsAnIndependentCountAndIsBelowOneForAnotherNetwork() {
    INDArray mine = student.output(test.features(), false).argMax(1);
    INDArray theirs = teacher.output(test.features(), false).argMax(1);
    long same = 0;
    for (int i = 0; i < test.size(); i++) {
      if (mine.getInt(i) == theirs.getInt(i)) {
        same++;
      }
    }
    assertEquals(same / 1000.0, studentMetrics.teacherAgreement(), 1e-12);
    assertTrue(studentMetrics.teacherAgreement() < 1.0, "two different networks disagree somewhere");
    assertTrue(studentMetrics.meanKlToTeacher() > 1e-3, "and their distributions differ: " + studentMetrics);
  }

  @Test
  void teacherLogitsWithClassesRolledGiveTheCountedAgreement() {
    INDArray logits = test.teacherLogits();
    INDArray rolled = Nd4j.hstack(logits.get(NDArrayIndex.all(), NDArrayIndex.interval(9, 10)),
        logits.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 9)));
    TestSet permuted = test.withTeacherLogits(rolled);
    ModelMetrics m = EVALUATOR.evaluate(ModelDescription.teacher("64", Double.NaN, 2), teacher, permuted);
    INDArray mine = teacher.output(test.features(), false).argMax(1);
    long same = 0;
    for (int i = 0; i < test.size(); i++) {
      if (mine.getInt(i) == (test.teacherLogits().getRow(i).argMax().getInt(0) + 1) % 10) {
        same++;
      }
    }
    assertEquals(same / 1000.0, m.teacherAgreement(), 1e-12);
    assertTrue(m.teacherAgreement() < 0.2, "a network never agrees with its own logits rolled by a class: " + m);
  }

  @Test
  void theTeacherAgainstItsOwnLogitsAgreesFullyWithZeroKl() throws Exception {
    long bytes = 12345;
    LogitsModel wrapped = LogitsModel.of(x -> teacher.output(x, false), teacher.numParams(), bytes);
    ModelMetrics m = EVALUATOR.evaluate(ModelDescription.teacher("64", Double.NaN, 2), wrapped, test);
    assertEquals(1.0, m.teacherAgreement(), 0.0);
    assertEquals(0.0, m.meanKlToTeacher(), 1e-6);
    assertEquals(teacher.numParams(), m.parameters());
    assertEquals(bytes, m.serializedBytes());
    assertEquals("teacher", m.model());
    assertEquals(ModelMetrics.TEACHER, m.role());
    assertTrue(Double.isNaN(m.temperature()));
    assertEquals(1.0, m.alpha());
    assertTrue(Double.isNaN(m.trainingSeconds()));
  }

  @Test
  void klEqualsADirectDoublePrecisionFormulaOnAFewRows() {
    TestSet few = test.first(5);
    ModelMetrics m = EVALUATOR.evaluate(ModelDescription.baseline("32", 1.0, 2), student, few);
    float[][] t = few.teacherLogits().toFloatMatrix();
    float[][] s = student.output(few.features(), false).toFloatMatrix();
    assertEquals(directMeanKl(t, s), m.meanKlToTeacher(), 1e-6);
    assertEquals(5, m.testExamples());
  }

  @Test
  void aTeacherProbabilityOfZeroContributesNothing() {
    TestSet few = test.first(4);
    float[][] t = few.teacherLogits().toFloatMatrix();
    t[0][3] = -1e30f;
    t[2][7] = -1e30f;
    TestSet withZeros = few.withTeacherLogits(Nd4j.createFromArray(t));
    ModelMetrics m = EVALUATOR.evaluate(ModelDescription.baseline("32", 1.0, 2), student, withZeros);
    float[][] s = student.output(few.features(), false).toFloatMatrix();
    assertTrue(Double.isFinite(m.meanKlToTeacher()), "0 · log 0 = 0: " + m);
    assertEquals(directMeanKl(t, s), m.meanKlToTeacher(), 1e-6);
  }

  @Test
  void parametersAndSerializedBytesAreThoseOfTheNetwork(@TempDir Path dir) throws Exception {
    assertEquals(784 * 32 + 32 + 32 * 10 + 10, studentMetrics.parameters());
    File file = dir.resolve("student.zip").toFile();
    ModelSerializer.writeModel(student, file, false);
    assertEquals(Files.size(file.toPath()), studentMetrics.serializedBytes());
  }

  @Test
  void latencyAndThroughputArePositiveAndDescriptionIsCopied() {
    assertTrue(studentMetrics.latencyP50Millis() > 0, studentMetrics.toString());
    assertTrue(studentMetrics.latencyP50Millis() <= studentMetrics.latencyP95Millis(), studentMetrics.toString());
    assertTrue(studentMetrics.throughputPerSecond() > 0, studentMetrics.toString());
    assertEquals("32-distilled", studentMetrics.model());
    assertEquals(ModelMetrics.DISTILLED, studentMetrics.role());
    assertEquals("32", studentMetrics.size());
    assertEquals(4.0, studentMetrics.temperature());
    assertEquals(0.5, studentMetrics.alpha());
    assertEquals(1.5, studentMetrics.trainingSeconds());
    assertEquals(2, studentMetrics.epochs());
  }

  @Test
  void theOneCallFormGivesTheSameQualityNumbers() {
    ModelMetrics m = ModelEvaluator.evaluate("s", ModelMetrics.BASELINE, "32", Double.NaN, 1.0, student, test, 2.0,
        2, 200, 100);
    assertEquals(studentMetrics.testErrors(), m.testErrors());
    assertEquals(studentMetrics.teacherAgreement(), m.teacherAgreement(), 0.0);
    assertEquals(studentMetrics.meanKlToTeacher(), m.meanKlToTeacher(), 1e-9);
    assertEquals(studentMetrics.serializedBytes(), m.serializedBytes());
  }

  @Test
  void aComputationGraphIsMeasuredLikeANetwork(@TempDir Path dir) throws Exception {
    ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
        .addInputs("in")
        .addLayer("hidden", new DenseLayer.Builder().nIn(784).nOut(8).activation(Activation.RELU).build(), "in")
        .addLayer("out", new OutputLayer.Builder().nIn(8).nOut(10).activation(Activation.IDENTITY)
            .lossFunction(DistillationLoss.hardLabelsOnly()).build(), "hidden")
        .setOutputs("out")
        .build());
    graph.init();
    ModelMetrics m = EVALUATOR.evaluate(ModelDescription.baseline("8", 0.0, 0), LogitsModel.of(graph), test);
    assertEquals(784 * 8 + 8 + 8 * 10 + 10, m.parameters());
    File file = dir.resolve("graph.zip").toFile();
    ModelSerializer.writeModel(graph, file, false);
    assertEquals(Files.size(file.toPath()), m.serializedBytes());
    INDArray predicted = graph.outputSingle(false, test.features()).argMax(1);
    long errors = 0;
    for (int i = 0; i < test.size(); i++) {
      if (predicted.getInt(i) != test.label(i)) {
        errors++;
      }
    }
    assertEquals(errors, m.testErrors());
  }

  @Test
  void featuresOfTheWrongWidthAreRefused() {
    TestSet narrow = TestSet.of(Nd4j.rand(DataType.FLOAT, 10, 100), new int[10])
        .withTeacherLogits(Nd4j.zeros(DataType.FLOAT, 10, 10));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EVALUATOR.evaluate(ModelDescription.baseline("32", 1.0, 2), student, narrow));
    assertEquals("ModelEvaluator: cannot evaluate 32-baseline: the network takes 784 input features, the test set"
        + " has 100", e.getMessage());
  }

  @Test
  void teacherLogitsWithTheWrongNumberOfRowsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> test.withTeacherLogits(Nd4j.zeros(DataType.FLOAT, 999, 10)));
    assertEquals("TestSet: teacher logits have 999 rows, the test set has 1000 examples", e.getMessage());
  }

  @Test
  void aModelWithAnotherNumberOfOutputsIsRefused() {
    TestSet twelve = test.first(3).withTeacherLogits(Nd4j.zeros(DataType.FLOAT, 3, 12));
    LogitsModel wrapped = LogitsModel.of(x -> student.output(x, false), 1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EVALUATOR.evaluate(ModelDescription.baseline("32", 1.0, 2), wrapped, twelve));
    assertEquals("ModelEvaluator: cannot evaluate 32-baseline: the model outputs 10 logits per example, the teacher"
        + " logits have 12", e.getMessage());
  }

  @Test
  void aTestSetWithoutTeacherLogitsOrWithLabelsBeyondTheClassesIsRefused() {
    TestSet bare = TestSet.of(test.features(), test.labels());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EVALUATOR.evaluate(ModelDescription.baseline("32", 1.0, 2), student, bare));
    assertTrue(e.getMessage().contains("the test set has no teacher logits"), e.getMessage());

    int[] labels = test.first(3).labels();
    labels[1] = 10;
    TestSet badLabel = TestSet.of(test.first(3).features(), labels)
        .withTeacherLogits(test.first(3).teacherLogits());
    e = assertThrows(IllegalArgumentException.class,
        () -> EVALUATOR.evaluate(ModelDescription.baseline("32", 1.0, 2), student, badLabel));
    assertEquals("ModelEvaluator: cannot evaluate 32-baseline: example id 1 has label 10, outside the teacher's 10"
        + " classes [0, 10)", e.getMessage());
  }

  @Test
  void settingsAreValidated() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelEvaluator.builder().latencyCalls(5));
    assertEquals("latencyCalls must be at least 200, cannot be: 5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelEvaluator.builder().throughputBatch(0));
    assertEquals("throughputBatch must be at least 1, cannot be: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelEvaluator.builder().latencyWarmupCalls(-1));
    assertEquals("latencyWarmupCalls must be at least 0, cannot be: -1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelEvaluator.builder().evaluationBatch(0));
    assertEquals("evaluationBatch must be at least 1, cannot be: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelEvaluator.builder().throughputPasses(0));
    assertEquals("throughputPasses must be at least 1, cannot be: 0", e.getMessage());
    ModelEvaluator d = ModelEvaluator.defaults();
    assertEquals(1000, d.latencyCalls());
    assertEquals(256, d.throughputBatch());
  }

  @Test
  void modelsAndDescriptionsAreValidated() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LogitsModel.of(StudentNets.uninitialized()));
    assertEquals("LogitsModel: the network is not initialized (call init() first)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LogitsModel.of(x -> x, -1, 0));
    assertEquals("LogitsModel: parameters must be at least 0, cannot be: -1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new ModelDescription("m", "student", "32", Double.NaN, 1.0, 0.0, 1));
    assertEquals("role must be one of teacher, distilled, baseline, cannot be: student", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelDescription.distilled("32", 0.0, 0.5, 1.0, 1));
    assertEquals("temperature must be positive and finite or NaN, cannot be: 0.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelDescription.distilled("32", 2.0, 1.5, 1.0, 1));
    assertEquals("alpha must be in [0, 1], cannot be: 1.5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelDescription.baseline(" ", 1.0, 1));
    assertTrue(e.getMessage().startsWith("model must not be blank") || e.getMessage().startsWith("size must not"),
        e.getMessage());
    assertEquals("32-distilled-T2", ModelDescription.distilled("32", 2.0, 0.5, 1.0, 1).withModel("32-distilled-T2")
        .model());
  }

  @Test
  void nearestRankPercentiles() {
    long[] sorted = new long[200];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = i + 1;
    }
    assertEquals(100, ModelEvaluator.nearestRank(sorted, 50));
    assertEquals(190, ModelEvaluator.nearestRank(sorted, 95));
    assertEquals(1, ModelEvaluator.nearestRank(new long[] {1, 2, 3}, 0));
    assertEquals(2, ModelEvaluator.nearestRank(new long[] {1, 2, 3}, 50));
    assertEquals(3, ModelEvaluator.nearestRank(new long[] {1, 2, 3}, 95));
  }

  /** Mean over rows of Σ p log(p / q), p and q plain softmaxes in double, terms with p = 0 taken as 0. */
  private static double directMeanKl(float[][] teacherLogits, float[][] modelLogits) {
    double sum = 0;
    for (int i = 0; i < teacherLogits.length; i++) {
      double[] p = softmax(teacherLogits[i]);
      double[] q = softmax(modelLogits[i]);
      for (int k = 0; k < p.length; k++) {
        if (p[k] > 0) {
          sum += p[k] * Math.log(p[k] / q[k]);
        }
      }
    }
    return sum / teacherLogits.length;
  }

  private static double[] softmax(float[] z) {
    double[] e = new double[z.length];
    double total = 0;
    for (int k = 0; k < z.length; k++) {
      e[k] = Math.exp(z[k]);
      total += e[k];
    }
    for (int k = 0; k < z.length; k++) {
      e[k] /= total;
    }
    return e;
  }
}
