package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelEvaluatorTest {
  private static final ModelEvaluator EVALUATOR =
      ModelEvaluator.builder().latencyCalls(200).repeats(3).build();
  private static final INDArray SAMPLE = Nd4j.rand(DataType.FLOAT, 300, 784);

  @Test
  void aMetricsRowCombinesScoresSizeAndSpeed(@TempDir Path dir) throws Exception {
    MultiLayerNetwork net = StudentNets.mlp(16, 1);
    TestScores.Totals scores = new TestScores.Totals(1000, 40, 950, 12.5);
    ModelMetrics m =
        EVALUATOR.evaluate(
            ModelDescription.distilled("16", 4.0, 0.5, 12.0, 3),
            LogitsModel.of(net),
            scores,
            SAMPLE);
    assertEquals("16-distilled", m.model());
    assertEquals(ModelMetrics.DISTILLED, m.role());
    assertEquals(4.0, m.temperature());
    assertEquals(1000, m.testExamples());
    assertEquals(40, m.testErrors());
    assertEquals(0.96, m.testAccuracy(), 1e-12);
    assertEquals(0.95, m.teacherAgreement(), 1e-12);
    assertEquals(0.0125, m.meanKlToTeacher(), 1e-12);
    assertEquals(net.numParams(), m.parameters());
    File file = dir.resolve("net.zip").toFile();
    ModelSerializer.writeModel(net, file, false);
    assertEquals(Files.size(file.toPath()), m.serializedBytes());
    assertEquals(
        2.0 * (784 * 16 + 16 * 10), m.forwardFlops()); // 2 flops per weight, biases not counted
    assertTrue(
        m.latencyP50Millis() > 0 && m.latencyP95Millis() >= m.latencyP50Millis(), m.toString());
    assertTrue(m.throughputPerSecond() > 0);
    assertEquals(12.0, m.trainingSeconds());
    assertEquals(3, m.epochs());
  }

  @Test
  void aComputationGraphIsMeasuredLikeANetwork() {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(3)
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                    "hidden",
                    new DenseLayer.Builder().nIn(784).nOut(8).activation(Activation.RELU).build(),
                    "in")
                .addLayer(
                    "out",
                    new OutputLayer.Builder()
                        .nIn(8)
                        .nOut(10)
                        .activation(Activation.IDENTITY)
                        .lossFunction(DistillationLoss.hardLabelsOnly())
                        .build(),
                    "hidden")
                .setOutputs("out")
                .build());
    graph.init();
    ModelMetrics m =
        EVALUATOR.evaluate(
            ModelDescription.baseline("8", 0.0, 0),
            LogitsModel.of(graph),
            new TestScores.Totals(10, 1, 9, 0.5),
            SAMPLE);
    assertEquals(784 * 8 + 8 + 8 * 10 + 10, m.parameters());
    assertEquals(2.0 * (784 * 8 + 8 * 10), m.forwardFlops());
    assertTrue(m.throughputPerSecond() > 0);
  }

  @Test
  void samplesOfTheWrongWidthAreRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                EVALUATOR.evaluate(
                    ModelDescription.baseline("16", 0.0, 0),
                    LogitsModel.of(StudentNets.mlp(16, 1)),
                    new TestScores.Totals(10, 1, 9, 0.5),
                    Nd4j.rand(DataType.FLOAT, 10, 100)));
    assertEquals(
        "ModelEvaluator: cannot evaluate 16-baseline: the network takes 784 input features, the test rows"
            + " have 100",
        e.getMessage());
  }

  @Test
  void settingsAreValidated() {
    assertEquals(
        "latencyCalls must be at least 200, cannot be: 10",
        assertThrows(
                IllegalArgumentException.class, () -> ModelEvaluator.builder().latencyCalls(10))
            .getMessage());
    assertEquals(
        "repeats must be at least 1, cannot be: 0",
        assertThrows(IllegalArgumentException.class, () -> ModelEvaluator.builder().repeats(0))
            .getMessage());
    assertEquals(
        "threads must be at least 1, cannot be: 0",
        assertThrows(IllegalArgumentException.class, () -> ModelEvaluator.builder().threads(0))
            .getMessage());
  }

  @Test
  void modelsAndDescriptionsAreValidated() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> LogitsModel.of(StudentNets.uninitialized()));
    assertEquals("LogitsModel: the network is not initialized (call init() first)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LogitsModel.of(x -> x, -1, 0));
    assertEquals("LogitsModel: parameters must be at least 0, cannot be: -1", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ModelDescription("m", "student", "32", Double.NaN, 1.0, 0.0, 1));
    assertEquals(
        "role must be one of teacher, distilled, baseline, cannot be: student", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelDescription.distilled("32", 0.0, 0.5, 1.0, 1));
    assertEquals("temperature must be positive and finite or NaN, cannot be: 0.0", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelDescription.distilled("32", 2.0, 1.5, 1.0, 1));
    assertEquals("alpha must be in [0, 1], cannot be: 1.5", e.getMessage());
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
    assertEquals(3, ModelEvaluator.nearestRank(new long[] {1, 2, 3}, 95));
  }
}
