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
 * What a network's inputs and label rows look like, derived from its configuration: the number of features, the
 * number of classes K, and the label width — 2K for a {@link DistillationLoss} output (one-hot hard label, then
 * the teacher's soft probabilities), K for any other loss (one-hot). Also which column holds the soft labels.
 */
public final class LabelLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int features;
  private final int classes;
  private final boolean distillation;
  private final String softLabelsColumn;
  private final double logitsTemperature;

  private LabelLayout(int features, int classes, boolean distillation, String softLabelsColumn,
      double logitsTemperature) {
    this.features = features;
    this.classes = classes;
    this.distillation = distillation;
    this.softLabelsColumn = softLabelsColumn;
    this.logitsTemperature = logitsTemperature;
  }

  /**
   * The layout a network configuration expects.
   *
   * @param softLabelsColumn the column holding the teacher's probabilities (array&lt;float&gt; of K), or null
   *     when training on hard labels only
   * @throws IllegalArgumentException when the loss needs soft labels (α &lt; 1) and none are given, or soft labels
   *     are given to a network whose loss cannot use them
   */
  public static LabelLayout of(MultiLayerConfiguration conf, String softLabelsColumn) {
    return of(conf, softLabelsColumn, false);
  }

  /**
   * As {@link #of(MultiLayerConfiguration, String)}; when {@code columnHoldsLogits}, the column holds the teacher's
   * logits and the soft labels are softmax(logits / T) at the T of the network's DistillationLoss, so one soft-label
   * dataset serves students distilled at any temperature.
   */
  public static LabelLayout of(MultiLayerConfiguration conf, String softLabelsColumn, boolean columnHoldsLogits) {
    int n = conf.getConfs().size();
    Layer last = conf.getConf(n - 1).getLayer();
    if (!(last instanceof BaseOutputLayer)) {
      throw new IllegalArgumentException(
          "The network's last layer must be an output layer with a loss, got " + last.getClass().getSimpleName());
    }
    ILossFunction loss = ((BaseOutputLayer) last).getLossFn();
    int classes = Math.toIntExact(((BaseOutputLayer) last).getNOut());
    boolean distillation = loss instanceof DistillationLoss;
    if (distillation && softLabelsColumn == null && ((DistillationLoss) loss).alpha() < 1) {
      throw new IllegalArgumentException("The network's loss " + loss.name() + " needs the teacher's soft labels"
          + " (alpha < 1), but no soft-labels column was given");
    }
    if (!distillation && softLabelsColumn != null) {
      throw new IllegalArgumentException("Soft labels (column '" + softLabelsColumn + "') were given, but the"
          + " network's loss " + loss.getClass().getSimpleName() + " cannot use them: use DistillationLoss");
    }
    double temperature = columnHoldsLogits && distillation ? ((DistillationLoss) loss).temperature() : Double.NaN;
    return new LabelLayout(inputSize(conf), classes, distillation, softLabelsColumn, temperature);
  }

  /** Number of input features of a configuration: nIn of the first layer, or h×w×c for a flat CNN input. */
  public static int inputSize(MultiLayerConfiguration conf) {
    if (conf.getInputPreProcess(0) instanceof FeedForwardToCnnPreProcessor) {
      FeedForwardToCnnPreProcessor p = (FeedForwardToCnnPreProcessor) conf.getInputPreProcess(0);
      return Math.toIntExact(p.getInputHeight() * p.getInputWidth() * p.getNumChannels());
    }
    Layer first = conf.getConf(0).getLayer();
    if (first instanceof FeedForwardLayer) {
      return Math.toIntExact(((FeedForwardLayer) first).getNIn());
    }
    throw new IllegalArgumentException("Cannot tell the input size of a network whose first layer is "
        + first.getClass().getSimpleName() + " (give it an input type, e.g. InputType.convolutionalFlat)");
  }

  public int features() {
    return features;
  }

  public int classes() {
    return classes;
  }

  /** Columns of one label row: 2K for distillation, K otherwise. */
  public int width() {
    return distillation ? 2 * classes : classes;
  }

  public boolean distillation() {
    return distillation;
  }

  /** T at which soft labels are computed from a logits column; NaN when the column holds probabilities. */
  public double logitsTemperature() {
    return logitsTemperature;
  }

  /** The soft-labels (or teacher logits) column, or null. */
  public String softLabelsColumn() {
    return softLabelsColumn;
  }
}
