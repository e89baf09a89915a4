package io.distill.losses;

import static io.distill.losses.TestData.concat;
import static io.distill.losses.TestData.matrix;
import static io.distill.losses.TestData.randomLogits;
import static io.distill.losses.TestData.randomOneHot;
import static io.distill.losses.TestData.randomTeacher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * DL4J configuration JSON, model files, and training with the loss inside a real network (float,
 * the default).
 */
class DistillationLossSerializationTest {

  private static final int K = 4;

  private static MultiLayerConfiguration configuration(DistillationLoss loss) {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .updater(new Adam(1e-2))
        .weightInit(WeightInit.XAVIER)
        .list()
        .layer(new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.TANH).build())
        .layer(
            new OutputLayer.Builder()
                .nIn(8)
                .nOut(K)
                .activation(Activation.IDENTITY)
                .lossFunction(loss)
                .build())
        .build();
  }

  private static ILossFunction lossOf(MultiLayerConfiguration conf) {
    return ((OutputLayer) conf.getConf(conf.getConfs().size() - 1).getLayer()).getLossFn();
  }

  private static DataSet data(long seed, int mb, double temperature) {
    Random random = new Random(seed);
    INDArray features = matrix(randomLogits(random, mb, 6, 1.0)).castTo(DataType.FLOAT);
    INDArray labels =
        matrix(concat(randomOneHot(random, mb, K), randomTeacher(random, mb, K, temperature)))
            .castTo(DataType.FLOAT);
    return new DataSet(features, labels);
  }

  @Test
  void configurationJsonAndYamlRoundTripKeepAlphaAndTemperature() {
    MultiLayerConfiguration conf = configuration(new DistillationLoss(0.3, 4));
    String json = conf.toJson();
    assertTrue(json.contains(DistillationLoss.class.getName()), json);

    MultiLayerConfiguration fromJson = MultiLayerConfiguration.fromJson(json);
    DistillationLoss loss = assertInstanceOf(DistillationLoss.class, lossOf(fromJson));
    assertEquals(0.3, loss.alpha());
    assertEquals(4.0, loss.temperature());
    assertEquals(conf, fromJson);

    MultiLayerConfiguration fromYaml = MultiLayerConfiguration.fromYaml(conf.toYaml());
    assertEquals(new DistillationLoss(0.3, 4), lossOf(fromYaml));

    MultiLayerConfiguration standardised = configuration(new DistillationLoss(0.3, 4, true));
    assertEquals(
        new DistillationLoss(0.3, 4, true),
        lossOf(MultiLayerConfiguration.fromJson(standardised.toJson())));
    // a configuration written before the option existed reads as not standardised
    String old =
        json.replaceAll(",\\s*\"standardise\"\\s*:\\s*false", "")
            .replaceAll("\"standardise\"\\s*:\\s*false\\s*,", "");
    assertFalse(old.contains("standardise"), old);
    assertEquals(new DistillationLoss(0.3, 4), lossOf(MultiLayerConfiguration.fromJson(old)));

    // the decoupled term's beta round-trips, and is not written when 0 (Hinton's KL), so a
    // configuration's JSON (and every fingerprint over it) is what it was before the option
    assertFalse(json.contains("dkdBeta"), json);
    MultiLayerConfiguration decoupled = configuration(new DistillationLoss(0.3, 4, true, 8));
    assertTrue(decoupled.toJson().contains("\"dkdBeta\" : 8.0"), decoupled.toJson());
    assertEquals(
        new DistillationLoss(0.3, 4, true, 8),
        lossOf(MultiLayerConfiguration.fromJson(decoupled.toJson())));
    assertEquals(
        new DistillationLoss(0.3, 4, true, 8),
        lossOf(MultiLayerConfiguration.fromYaml(decoupled.toYaml())));
  }

  @Test
  void modelFileRoundTripGivesIdenticalOutputsAndScores(@TempDir Path dir) throws Exception {
    MultiLayerNetwork net = new MultiLayerNetwork(configuration(new DistillationLoss(0.3, 4)));
    net.init();
    net.fit(data(1, 32, 4.0));
    DataSet test = data(2, 16, 4.0);

    File file = dir.resolve("student.zip").toFile();
    ModelSerializer.writeModel(net, file, true);
    MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);

    assertEquals(new DistillationLoss(0.3, 4), lossOf(restored.getLayerWiseConfigurations()));
    assertEquals(net.params(), restored.params());
    assertEquals(net.output(test.getFeatures()), restored.output(test.getFeatures()));
    assertEquals(net.score(test), restored.score(test), 0.0);
  }

  /**
   * A student learns a linear "teacher" from its 2K-wide labels: the score drops and argmax agrees.
   */
  @Test
  void networkLearnsALinearTeacherFromTwoKWideLabels() {
    double temperature = 2.0;
    INDArray features = Nd4j.randn(7L, new long[] {256, 6}).castTo(DataType.FLOAT);
    INDArray teacherLogits =
        features.mmul(Nd4j.randn(8L, new long[] {6, K}).castTo(DataType.FLOAT).muli(3));
    INDArray hard = Nd4j.zeros(DataType.FLOAT, 256, K);
    INDArray argmax = teacherLogits.argMax(1);
    for (int i = 0; i < 256; i++) {
      hard.putScalar(i, argmax.getInt(i), 1.0);
    }
    DataSet train = new DataSet(features, DistillationLabels.concat(hard, teacherLogits));

    MultiLayerNetwork net =
        new MultiLayerNetwork(configuration(new DistillationLoss(0.5, temperature)));
    net.init();
    double before = net.score(train);
    for (int i = 0; i < 200; i++) {
      net.fit(train);
    }
    double after = net.score(train);
    INDArray output = net.output(features);
    double agreement =
        output.argMax(1).eq(argmax).castTo(DataType.DOUBLE).meanNumber().doubleValue();

    assertEquals(DataType.FLOAT, output.dataType());
    assertTrue(after < 0.3 * before, "score " + before + " -> " + after);
    assertTrue(agreement > 0.9, "student agrees with teacher on " + agreement);
  }
}
