package io.distill.student;

import io.distill.core.Checks;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.LogitsOutput;
import io.distill.trainer.Optimiser;
import java.util.Objects;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * Student network configurations: an MLP from its hidden sizes, or any DL4J MultiLayerConfiguration
 * (JSON), with its output layer turned into logits (identity activation) trained with {@link
 * DistillationLoss}. A distilled student and its baseline differ only in the loss:
 * DistillationLoss(α, T) vs DistillationLoss(1, 1) (hard labels only).
 */
public final class StudentNetworks {
  private StudentNetworks() {}

  /**
   * {@code inputs-hidden[0]-…-classes}, ReLU, He initialisation, the {@code optimiser}'s updater,
   * optional dropout (retain probabilities; 1 = none), identity output with {@code loss}.
   */
  public static MultiLayerConfiguration mlp(
      int inputs,
      int[] hidden,
      int classes,
      double inputRetain,
      double hiddenRetain,
      Optimiser optimiser,
      DistillationLoss loss,
      long seed) {
    if (inputs < 1) {
      throw new IllegalArgumentException("inputs must be at least 1, cannot be: " + inputs);
    }
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be at least 2, cannot be: " + classes);
    }
    Checks.retain("inputRetain", inputRetain);
    Checks.retain("hiddenRetain", hiddenRetain);
    Objects.requireNonNull(optimiser, "optimiser");
    Objects.requireNonNull(loss, "loss");
    NeuralNetConfiguration.ListBuilder list =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .updater(optimiser.updater())
            .weightInit(WeightInit.RELU)
            .list();
    int in = inputs;
    for (int i = 0; i < hidden.length; i++) {
      if (hidden[i] < 1) {
        throw new IllegalArgumentException(
            "hidden[" + i + "] must be at least 1, cannot be: " + hidden[i]);
      }
      DenseLayer.Builder layer =
          new DenseLayer.Builder().nIn(in).nOut(hidden[i]).activation(Activation.RELU);
      double retain = i == 0 ? inputRetain : hiddenRetain;
      if (retain < 1) {
        layer.dropOut(retain);
      }
      list.layer(layer.build());
      in = hidden[i];
    }
    OutputLayer.Builder out =
        new OutputLayer.Builder()
            .nIn(in)
            .nOut(classes)
            .activation(Activation.IDENTITY)
            .weightInit(WeightInit.XAVIER)
            .lossFunction(loss);
    if (hidden.length > 0 && hiddenRetain < 1) {
      out.dropOut(hiddenRetain);
    }
    return list.layer(out.build()).build();
  }

  /**
   * A DL4J configuration given as JSON with its output layer made logits trained with {@code loss};
   * it keeps the JSON's own updater (see {@link Optimiser} for the precedence).
   */
  public static MultiLayerConfiguration fromJson(
      String json, String source, DistillationLoss loss) {
    return LogitsOutput.fromJson(json, source, loss);
  }
}
