package io.distill.trainer;

import io.distill.losses.DistillationLoss;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;

/** Small MLPs for the trainer's tests: 784-hidden-10, ReLU, logits out, DistillationLoss. */
final class Networks {
  private Networks() {}

  static MultiLayerConfiguration mlp(
      int hidden, IUpdater updater, DistillationLoss loss, long seed) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .updater(updater)
        .weightInit(WeightInit.RELU)
        .list()
        .layer(new DenseLayer.Builder().nIn(784).nOut(hidden).activation(Activation.RELU).build())
        .layer(
            new OutputLayer.Builder()
                .nIn(hidden)
                .nOut(10)
                .activation(Activation.IDENTITY)
                .lossFunction(loss)
                .build())
        .build();
  }
}
