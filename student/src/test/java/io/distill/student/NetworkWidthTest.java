package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class NetworkWidthTest {
  /**
   * A CNN with batch normalisation, pooling, a dense layer and dropout, built by DL4J's own
   * configuration builder with these widths, which infers every layer's inputs from the input
   * shape: the independent computation a scaled configuration is compared with.
   */
  private static MultiLayerConfiguration cnn(int conv1, int conv2, int dense) {
    return new NeuralNetConfiguration.Builder()
        .seed(5)
        .updater(new Adam(1e-3))
        .list()
        .layer(new ConvolutionLayer.Builder(5, 5).nOut(conv1).activation(Activation.RELU).build())
        .layer(new BatchNormalization.Builder().build())
        .layer(
            new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(2, 2)
                .stride(2, 2)
                .build())
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(conv2).activation(Activation.RELU).build())
        .layer(
            new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(2, 2)
                .stride(2, 2)
                .build())
        .layer(new DenseLayer.Builder().nOut(dense).activation(Activation.RELU).build())
        .layer(new DropoutLayer.Builder(0.8).build())
        .layer(
            new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(10)
                .activation(Activation.SOFTMAX)
                .build())
        .setInputType(InputType.convolutionalFlat(28, 28, 1))
        .build();
  }

  private static MultiLayerNetwork network(MultiLayerConfiguration conf) {
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  @Test
  void everyHiddenWidthScalesAndWhatFollowsTakesItIn() {
    String json = cnn(6, 10, 20).toJson();
    for (double factor : new double[] {1.5, 0.5, 3}) {
      MultiLayerConfiguration scaled =
          MultiLayerConfiguration.fromJson(NetworkWidth.scaled(json, factor, "the test CNN"));
      MultiLayerConfiguration expected =
          cnn(
              (int) Math.round(6 * factor),
              (int) Math.round(10 * factor),
              (int) Math.round(20 * factor));
      assertEquals(expected.getConfs().size(), scaled.getConfs().size());
      for (int i = 0; i < expected.getConfs().size(); i++) {
        Layer want = expected.getConf(i).getLayer();
        Layer got = scaled.getConf(i).getLayer();
        if (want instanceof FeedForwardLayer w) {
          FeedForwardLayer g = (FeedForwardLayer) got;
          assertEquals(w.getNIn(), g.getNIn(), "layer " + i + " inputs at x" + factor);
          assertEquals(w.getNOut(), g.getNOut(), "layer " + i + " outputs at x" + factor);
        }
      }
      assertEquals(
          expected.getInputPreProcessors().toString(),
          scaled.getInputPreProcessors().toString(),
          "the flattening before the dense layer holds the new channel count");
      MultiLayerNetwork net = network(scaled);
      assertEquals(network(expected).numParams(), net.numParams(), "x" + factor);
      assertArrayEquals(
          new long[] {3, 10}, net.output(Nd4j.rand(3, 784)).shape(), "it runs on a batch");
    }
  }

  /**
   * The shipped tiny CNN (average pool 2, conv 3x3x8, max pool 2, 10 outputs) twice as wide: 16
   * channels of 9 weights and a bias, then 6 x 6 x 16 inputs to each of 10 outputs, counted by
   * hand.
   */
  @Test
  void theTinyCnnTwiceAsWide() throws IOException {
    String json;
    try (InputStream in =
        NetworkWidthTest.class.getResourceAsStream("/io/distill/student/cnn-tiny.json")) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertEquals(
        8 * (9 + 1) + (6 * 6 * 8 + 1) * 10,
        network(MultiLayerConfiguration.fromJson(json)).numParams());
    assertEquals(
        16 * (9 + 1) + (6 * 6 * 16 + 1) * 10,
        network(MultiLayerConfiguration.fromJson(NetworkWidth.scaled(json, 2, "cnn-tiny")))
            .numParams());
    assertSame(json, NetworkWidth.scaled(json, 1, "cnn-tiny"), "a factor of 1 changes nothing");
  }

  @Test
  void aLayerWhoseWidthDoesNotFollowIsRefusedByPosition() {
    String depthwise =
        new NeuralNetConfiguration.Builder()
            .list()
            .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).build())
            .layer(new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).build())
            .layer(new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).build())
            .setInputType(InputType.convolutionalFlat(12, 12, 1))
            .build()
            .toJson();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> NetworkWidth.scaled(depthwise, 2, "dw.json"));
    assertEquals(
        "Cannot change the width of dw.json: layer 1 (DepthwiseConvolution2D) is not a dense,"
            + " convolution, batch normalisation, dropout or parameter-free layer",
        e.getMessage());
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> NetworkWidth.scaled(cnn(2, 2, 2).toJson(), 0, "x"))
            .getMessage()
            .contains("positive and finite"));
    String noOutput =
        new NeuralNetConfiguration.Builder()
            .list()
            .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
            .build()
            .toJson();
    assertEquals(
        "Cannot widen dense.json: its last layer is not an output layer",
        assertThrows(
                IllegalArgumentException.class,
                () -> NetworkWidth.scaled(noOutput, 2, "dense.json"))
            .getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> NetworkWidth.scaled("[1]", 2, "a.json"))
            .getMessage()
            .startsWith("Configuration a.json is not a DL4J MultiLayerConfiguration JSON"));
  }
}
