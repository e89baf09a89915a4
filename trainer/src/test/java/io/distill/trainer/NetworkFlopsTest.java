package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distill.losses.DistillationLoss;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;

class NetworkFlopsTest {
  @Test
  void anMlpCostsTwoFlopsPerWeight() {
    MultiLayerNetwork net =
        new MultiLayerNetwork(Networks.mlp(100, new Adam(1e-3), DistillationLoss.of(0.5, 2), 1));
    net.init();
    assertEquals(2.0 * (784 * 100 + 100 * 10), NetworkFlops.forward(net, 784));
  }

  @Test
  void aConvolutionCostsItsKernelAtEveryOutputPosition() {
    // 5x5 kernels, 1 -> 8 channels on 28x28 (no padding): 24x24 positions; pooling to 12x12; dense
    // 1152 -> 32 -> 10.
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(1)
                .list()
                .layer(
                    new ConvolutionLayer.Builder(5, 5).nOut(8).activation(Activation.RELU).build())
                .layer(
                    new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2)
                        .stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build())
                .layer(
                    new OutputLayer.Builder()
                        .nOut(10)
                        .activation(Activation.IDENTITY)
                        .lossFunction(DistillationLoss.hardLabelsOnly())
                        .build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build());
    net.init();
    double expected = 2.0 * (5 * 5 * 8) * (24 * 24) + 2.0 * (12 * 12 * 8) * 32 + 2.0 * 32 * 10;
    assertEquals(expected, NetworkFlops.forward(net, 784));
  }

  @Test
  void aComputationGraphIsCountedLayerByLayer() {
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(1)
            .graphBuilder()
            .addInputs("in")
            .addLayer(
                "hidden",
                new DenseLayer.Builder().nIn(784).nOut(50).activation(Activation.RELU).build(),
                "in")
            .addLayer(
                "out",
                new OutputLayer.Builder()
                    .nIn(50)
                    .nOut(10)
                    .activation(Activation.IDENTITY)
                    .lossFunction(DistillationLoss.hardLabelsOnly())
                    .build(),
                "hidden")
            .setOutputs("out")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    assertEquals(2.0 * (784 * 50 + 50 * 10), NetworkFlops.forward(graph, 784));
  }
}
