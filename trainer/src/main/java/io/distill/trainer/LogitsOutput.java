package io.distill.trainer;

import io.distill.losses.DistillationLoss;
import java.util.StringJoiner;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

/**
 * Networks of any DL4J shape given as a MultiLayerConfiguration JSON, made into what the pipeline
 * trains: a network whose output layer emits <b>logits</b> (identity activation) and is trained
 * with a {@link DistillationLoss}. Used for teachers and students alike ({@code teacher.dl4j-json},
 * {@code students.sizes[].dl4j-json}).
 */
public final class LogitsOutput {
  private LogitsOutput() {}

  /**
   * A DL4J configuration given as JSON (any shape DL4J builds: MLP, CNN with an input type, ...)
   * with its output layer's activation set to identity and its loss to {@code loss}.
   *
   * @param source names the JSON in messages, e.g. "of teacher conf/teacher-cnn.json"
   * @throws IllegalArgumentException when the JSON does not parse or the last layer is not an
   *     output layer
   */
  public static MultiLayerConfiguration fromJson(
      String json, String source, DistillationLoss loss) {
    return withLoss(parse(json, source), source, loss);
  }

  /**
   * A DL4J configuration given as JSON, as it is.
   *
   * @param source names the JSON in messages
   * @throws IllegalArgumentException naming {@code source} when the JSON does not parse
   */
  public static MultiLayerConfiguration parse(String json, String source) {
    try {
      return MultiLayerConfiguration.fromJson(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Configuration "
              + source
              + " is not a DL4J MultiLayerConfiguration"
              + " JSON: "
              + e.getMessage(),
          e);
    }
  }

  /** A copy of {@code conf} whose output layer emits logits and is trained with {@code loss}. */
  public static MultiLayerConfiguration withLoss(
      MultiLayerConfiguration conf, String source, DistillationLoss loss) {
    MultiLayerConfiguration copy = conf.clone();
    if (copy.getConfs().isEmpty()) {
      throw new IllegalArgumentException("Configuration " + source + " has no layers");
    }
    Layer last = copy.getConf(copy.getConfs().size() - 1).getLayer();
    if (!(last instanceof BaseOutputLayer)) {
      throw new IllegalArgumentException(
          "Configuration "
              + source
              + ": the last layer must be an output"
              + " layer, got "
              + last.getClass().getSimpleName());
    }
    ((BaseOutputLayer) last).setLossFn(loss);
    ((BaseOutputLayer) last).setActivationFn(new ActivationIdentity());
    return copy;
  }

  /**
   * A short description of a network's shape, input first: {@code "784-1200-1200-10"} for an MLP,
   * {@code "784-c5x5x20-p2-c5x5x50-p2-500-10"} for a CNN (c = convolution kernel x filters, p =
   * pooling).
   */
  public static String describe(MultiLayerConfiguration conf) {
    StringJoiner parts = new StringJoiner("-");
    parts.add(Integer.toString(LabelLayout.inputSize(conf)));
    for (int i = 0; i < conf.getConfs().size(); i++) {
      Layer layer = conf.getConf(i).getLayer();
      if (layer instanceof ConvolutionLayer c) {
        parts.add("c" + c.getKernelSize()[0] + "x" + c.getKernelSize()[1] + "x" + c.getNOut());
      } else if (layer instanceof SubsamplingLayer s) {
        parts.add("p" + s.getKernelSize()[0]);
      } else if (layer instanceof FeedForwardLayer f) {
        parts.add(Long.toString(f.getNOut()));
      } else {
        parts.add(layer.getClass().getSimpleName());
      }
    }
    return parts.toString();
  }
}
