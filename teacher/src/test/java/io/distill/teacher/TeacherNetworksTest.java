package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.losses.DistillationLabels;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.LogitsOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.api.layers.LayerConstraint;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

class TeacherNetworksTest {

  private static Layer layer(MultiLayerConfiguration conf, int i) {
    return conf.getConf(i).getLayer();
  }

  private static double retain(MultiLayerConfiguration conf, int i) {
    return ((Dropout) layer(conf, i).getIDropout()).getP();
  }

  private static MaxNormConstraint maxNorm(MultiLayerConfiguration conf, int i) {
    List<LayerConstraint> constraints = layer(conf, i).getConstraints();
    assertEquals(1, constraints.size(), "constraints of layer " + i + ": " + constraints);
    return (MaxNormConstraint) constraints.get(0);
  }

  @Test
  void hintonMnistIs784x1200x1200x10WithDropoutAndMaxNorm() {
    MultiLayerConfiguration conf = TeacherNetworks.hintonMnist(42);

    assertEquals("784-1200-1200-10", LogitsOutput.describe(conf));
    assertEquals(3, conf.getConfs().size());
    assertInstanceOf(DenseLayer.class, layer(conf, 0));
    assertInstanceOf(DenseLayer.class, layer(conf, 1));
    assertInstanceOf(OutputLayer.class, layer(conf, 2));
    assertInstanceOf(ActivationReLU.class, ((BaseLayer) layer(conf, 0)).getActivationFn());
    assertInstanceOf(ActivationReLU.class, ((BaseLayer) layer(conf, 1)).getActivationFn());
    assertInstanceOf(ActivationIdentity.class, ((BaseLayer) layer(conf, 2)).getActivationFn());
    assertEquals(DistillationLoss.hardLabelsOnly(), ((OutputLayer) layer(conf, 2)).getLossFn());

    // Dropout: DL4J's p is the retain probability, applied to each layer's input.
    assertEquals(0.8, retain(conf, 0));
    assertEquals(0.5, retain(conf, 1));
    assertEquals(0.5, retain(conf, 2));

    // Max-norm 3.5 on every layer's weights W, over dimension 0 (each unit's incoming weights);
    // biases free.
    for (int i = 0; i < 3; i++) {
      MaxNormConstraint constraint = maxNorm(conf, i);
      assertEquals(3.5, constraint.getMaxNorm());
      assertArrayEquals(new int[] {0}, constraint.getDimensions());
      assertEquals(Set.of("W"), constraint.getParams(), "constrained parameters of layer " + i);
    }

    IUpdater updater = ((BaseLayer) layer(conf, 0)).getIUpdater();
    assertEquals(new Nesterovs(0.1, 0.9), updater);
    assertEquals(42, conf.getConf(0).getSeed());
    assertEquals(DataType.FLOAT, conf.getDataType());

    long expected = 784L * 1200 + 1200 + 1200L * 1200 + 1200 + 1200L * 10 + 10;
    assertEquals(2_395_210L, expected);
    assertEquals(expected, TeacherNetworks.parameterCount(conf));
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    assertEquals(expected, net.numParams());
  }

  @Test
  void hintonMnistTakesAnotherUpdaterAndSurvivesDl4jJson() {
    MultiLayerConfiguration conf = TeacherNetworks.hintonMnist(new Adam(1e-3), 7);
    assertEquals(new Adam(1e-3), ((BaseLayer) layer(conf, 1)).getIUpdater());

    MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
    assertEquals(conf, back);
    assertEquals(0.8, retain(back, 0));
    assertEquals(3.5, maxNorm(back, 2).getMaxNorm());
    assertEquals(DistillationLoss.hardLabelsOnly(), ((OutputLayer) layer(back, 2)).getLossFn());
  }

  @Test
  void mlpWithoutRegularisationHasNoDropoutOrConstraints() {
    MultiLayerConfiguration conf =
        TeacherNetworks.mlp(5, new int[] {4, 3}, 2, 1.0, 1.0, null, new Sgd(0.1), 1);
    assertEquals("5-4-3-2", LogitsOutput.describe(conf));
    for (int i = 0; i < 3; i++) {
      assertNull(layer(conf, i).getIDropout(), "dropout of layer " + i);
      List<LayerConstraint> constraints = layer(conf, i).getConstraints();
      assertTrue(
          constraints == null || constraints.isEmpty(),
          "constraints of layer " + i + ": " + constraints);
    }
  }

  @Test
  void mlpWithoutHiddenLayersPutsInputDropoutOnTheOutputLayer() {
    MultiLayerConfiguration conf =
        TeacherNetworks.mlp(6, new int[0], 3, 0.9, 0.5, 2.0, new Sgd(0.1), 1);
    assertEquals("6-3", LogitsOutput.describe(conf));
    assertEquals(1, conf.getConfs().size());
    assertEquals(0.9, retain(conf, 0));
    assertEquals(2.0, maxNorm(conf, 0).getMaxNorm());
    assertEquals(6 * 3 + 3, TeacherNetworks.parameterCount(conf));
  }

  /**
   * A recipe search's factor scales a fixed rate and an exponential schedule alike, everything else
   * of the updater kept; the expected rates are the configured ones times the factor, computed
   * here.
   */
  @Test
  void scaleLearningRateScalesFixedRatesAndSchedulesAndKeepsTheRest() throws Exception {
    MultiLayerConfiguration mlp =
        TeacherNetworks.mlp(3, new int[] {2}, 2, 1.0, 1.0, null, new Nesterovs(0.05, 0.5), 1);
    MultiLayerConfiguration faster = TeacherNetworks.scaleLearningRate(mlp, 2);
    for (int i = 0; i < 2; i++) {
      Nesterovs n = (Nesterovs) ((BaseLayer) layer(faster, i)).getIUpdater();
      assertEquals(0.1, n.getLearningRate(), 1e-12);
      assertEquals(0.5, n.getMomentum(), 1e-12);
    }
    assertEquals(
        0.05, ((Nesterovs) ((BaseLayer) layer(mlp, 0)).getIUpdater()).getLearningRate(), 1e-12);
    assertSame(mlp, TeacherNetworks.scaleLearningRate(mlp, 1));

    MultiLayerConfiguration cnn =
        TeacherNetworks.fromJson(
            Files.readString(Path.of("../conf/teacher-cnn.json")), "conf/teacher-cnn.json");
    MultiLayerConfiguration slower = TeacherNetworks.scaleLearningRate(cnn, 0.5);
    int scaled = 0;
    for (int i = 0; i < cnn.getConfs().size(); i++) {
      if (layer(cnn, i) instanceof BaseLayer b) {
        IUpdater before = b.getIUpdater();
        IUpdater after = ((BaseLayer) layer(slower, i)).getIUpdater();
        for (int epoch : new int[] {0, 3}) {
          assertEquals(
              0.5 * before.getLearningRate(0, epoch), after.getLearningRate(0, epoch), 1e-12);
        }
        assertEquals(((Adam) before).getBeta2(), ((Adam) after).getBeta2(), 0);
        scaled++;
      }
    }
    assertEquals(4, scaled, "two convolutions, a dense layer and the output layer");
    assertThrows(IllegalArgumentException.class, () -> TeacherNetworks.scaleLearningRate(mlp, 0));
  }

  @Test
  void updaterIsCopiedNotShared() {
    Nesterovs updater = new Nesterovs(0.05, 0.5);
    MultiLayerConfiguration conf =
        TeacherNetworks.mlp(3, new int[] {2}, 2, 1.0, 1.0, null, updater, 1);
    IUpdater configured = ((BaseLayer) layer(conf, 0)).getIUpdater();
    assertEquals(updater, configured);
    assertNotSame(updater, configured);
  }

  @Test
  void maxNormBoundsEachUnitsIncomingWeightsDuringTraining() {
    // 20 inputs, 30 hidden: W is [20, 30]; a huge SGD step pushes every weight far past the bound.
    MultiLayerConfiguration conf =
        TeacherNetworks.mlp(20, new int[] {30}, 3, 1.0, 1.0, 1.0, new Sgd(1000.0), 3);
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    INDArray w = net.getLayer(0).getParam("W");
    assertArrayEquals(new long[] {20, 30}, w.shape(), "DL4J dense weights are [nIn, nOut]");

    INDArray x = Nd4j.rand(DataType.FLOAT, 16, 20).muli(10);
    INDArray hard = Nd4j.zeros(DataType.FLOAT, 16, 3);
    for (int i = 0; i < 16; i++) {
      hard.putScalar(i, i % 3, 1.0);
    }
    net.fit(new DataSet(x, DistillationLabels.concat(hard, hard)));

    for (int l = 0; l < 2; l++) {
      INDArray weights = net.getLayer(l).getParam("W");
      INDArray incoming = weights.norm2(0); // one norm per unit
      INDArray outgoing = weights.norm2(1); // one norm per input
      assertTrue(
          incoming.maxNumber().doubleValue() <= 1.0 + 1e-4,
          "layer " + l + " incoming norms must be at most 1: " + incoming);
      assertTrue(
          incoming.maxNumber().doubleValue() > 0.99,
          "layer " + l + ": the step should have pushed some unit to the bound: " + incoming);
      if (l == 0) {
        // Had the constraint run over dimension 1 instead, these would be the bounded ones.
        assertTrue(
            outgoing.maxNumber().doubleValue() > 1.01,
            "outgoing norms are not what is bounded: " + outgoing);
      }
    }
  }

  @Test
  void mlpRefusesBadArgumentsNamingTheValue() {
    Sgd sgd = new Sgd(0.1);
    int[] hidden = {4};
    assertMessage(
        "inputs must be at least 1, cannot be: 0",
        () -> TeacherNetworks.mlp(0, hidden, 2, 1, 1, null, sgd, 1));
    assertMessage(
        "hidden layer sizes must be at least 1, cannot be: -3 (hidden[1] of [4, -3])",
        () -> TeacherNetworks.mlp(5, new int[] {4, -3}, 2, 1, 1, null, sgd, 1));
    assertMessage(
        "classes must be at least 2, cannot be: 1",
        () -> TeacherNetworks.mlp(5, hidden, 1, 1, 1, null, sgd, 1));
    assertMessage(
        "inputRetain (a retain probability) must be in (0, 1], cannot be: 0.0",
        () -> TeacherNetworks.mlp(5, hidden, 2, 0.0, 1, null, sgd, 1));
    assertMessage(
        "hiddenRetain (a retain probability) must be in (0, 1], cannot be: 1.5",
        () -> TeacherNetworks.mlp(5, hidden, 2, 1, 1.5, null, sgd, 1));
    assertMessage(
        "hiddenRetain (a retain probability) must be in (0, 1], cannot be: NaN",
        () -> TeacherNetworks.mlp(5, hidden, 2, 1, Double.NaN, null, sgd, 1));
    assertMessage(
        "maxNorm must be positive and finite (or null for none), cannot be: -1.0",
        () -> TeacherNetworks.mlp(5, hidden, 2, 1, 1, -1.0, sgd, 1));
    assertMessage(
        "maxNorm must be positive and finite (or null for none), cannot be: Infinity",
        () -> TeacherNetworks.mlp(5, hidden, 2, 1, 1, Double.POSITIVE_INFINITY, sgd, 1));
    assertThrows(
        NullPointerException.class, () -> TeacherNetworks.mlp(5, hidden, 2, 1, 1, null, null, 1));
    assertThrows(
        NullPointerException.class, () -> TeacherNetworks.mlp(5, null, 2, 1, 1, null, sgd, 1));
  }

  @Test
  void defaultUpdaterIsAFreshNesterovsEachTime() {
    IUpdater a = TeacherNetworks.defaultUpdater();
    IUpdater b = TeacherNetworks.defaultUpdater();
    assertEquals(new Nesterovs(0.1, 0.9), a);
    assertNotSame(a, b);
    assertFalse(a instanceof Adam);
  }

  static void assertMessage(String expected, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(expected, e.getMessage());
  }
}
