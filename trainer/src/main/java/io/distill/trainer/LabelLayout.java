package io.distill.trainer;

import io.distill.losses.DistillationLoss;
import java.io.Serializable;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * What a network's minibatches look like, derived from its configuration: the number of features,
 * the number of classes K, and whether its loss reads the teacher: a {@link DistillationLoss} with
 * α &lt; 1 takes {@code 2K}-wide labels (one-hot hard label, then the teacher's logits), any other
 * loss {@code K}-wide one-hot labels.
 */
public final class LabelLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int features;
  private final int classes;
  private final boolean readsTeacher;

  private LabelLayout(int features, int classes, boolean readsTeacher) {
    this.features = features;
    this.classes = classes;
    this.readsTeacher = readsTeacher;
  }

  /**
   * The layout a network configuration expects.
   *
   * @throws IllegalArgumentException when the last layer is not an output layer, or the input size
   *     cannot be told
   */
  public static LabelLayout of(MultiLayerConfiguration conf) {
    int n = conf.getConfs().size();
    Layer last = conf.getConf(n - 1).getLayer();
    if (!(last instanceof BaseOutputLayer)) {
      throw new IllegalArgumentException(
          "The network's last layer must be an output layer with a loss, got "
              + last.getClass().getSimpleName());
    }
    ILossFunction loss = ((BaseOutputLayer) last).getLossFn();
    int classes = Math.toIntExact(((BaseOutputLayer) last).getNOut());
    boolean teacher = loss instanceof DistillationLoss d && d.alpha() < 1;
    return new LabelLayout(inputSize(conf), classes, teacher);
  }

  /**
   * Number of input features of a configuration: nIn of the first layer, or h×w×c for a flat CNN
   * input.
   */
  public static int inputSize(MultiLayerConfiguration conf) {
    if (conf.getInputPreProcess(0) instanceof FeedForwardToCnnPreProcessor) {
      FeedForwardToCnnPreProcessor p = (FeedForwardToCnnPreProcessor) conf.getInputPreProcess(0);
      return Math.toIntExact(p.getInputHeight() * p.getInputWidth() * p.getNumChannels());
    }
    Layer first = conf.getConf(0).getLayer();
    if (first instanceof FeedForwardLayer) {
      return Math.toIntExact(((FeedForwardLayer) first).getNIn());
    }
    throw new IllegalArgumentException(
        "Cannot tell the input size of a network whose first layer is "
            + first.getClass().getSimpleName()
            + " (give it an input type, e.g. InputType.convolutionalFlat)");
  }

  public int features() {
    return features;
  }

  public int classes() {
    return classes;
  }

  /** Whether the loss reads the teacher's logits (a DistillationLoss with α &lt; 1). */
  public boolean readsTeacher() {
    return readsTeacher;
  }

  /** Columns of one label row: 2K when the loss reads the teacher, K otherwise. */
  public int width() {
    return readsTeacher ? 2 * classes : classes;
  }
}
