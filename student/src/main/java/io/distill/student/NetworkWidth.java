package io.distill.student;

import io.distill.trainer.LogitsOutput;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

/**
 * A student given as DL4J JSON made wider or narrower, as an MLP is by its hidden widths: every
 * hidden layer's width (a dense layer's units, a convolution's channels) times a factor, rounded,
 * at least 1; the output layer keeps its classes. What a layer takes in follows what the layer
 * before it now puts out: an input of {@code n} that held {@code c} channels of the previous layer
 * holds {@code n / c} times its new channel count (the same for a convolution after a convolution,
 * a dense layer after a flattened feature map of any height and width, or a batch normalisation),
 * and a flattening pre-processor's channel count changes with it. Layers whose width cannot be
 * derived that way (a depthwise convolution, a recurrent layer, a pre-processor other than
 * flattening a feature map) are refused with their position, before anything trains.
 */
public final class NetworkWidth {
  private NetworkWidth() {}

  /** What a width factor may be: positive and finite (1 = the configuration's own widths). */
  public static boolean isWidthFactor(double factor) {
    return factor > 0 && !Double.isInfinite(factor);
  }

  /**
   * {@code json} with every hidden width times {@code factor}; {@code json} itself when the factor
   * is 1, so that an unscaled student's configuration (and fingerprint) is exactly its file's.
   *
   * @param source names the configuration in messages
   * @throws IllegalArgumentException when it is not a MultiLayerConfiguration, has a layer this
   *     cannot scale, or the factor is not positive and finite
   */
  public static String scaled(String json, double factor, String source) {
    if (!isWidthFactor(factor)) {
      throw new IllegalArgumentException(
          "A width factor must be positive and finite, cannot be: " + factor);
    }
    if (factor == 1.0) {
      return json;
    }
    MultiLayerConfiguration conf = LogitsOutput.parse(json, source);
    int last = conf.getConfs().size() - 1;
    if (last < 0 || !(conf.getConf(last).getLayer() instanceof BaseOutputLayer)) {
      throw new IllegalArgumentException(
          "Cannot widen " + source + ": its last layer is not an output layer");
    }
    // The channels (or units) the previous parametrised layer put out, before and after scaling;
    // 0 while the layers still see the network's input, which keeps its shape.
    long oldChannels = 0;
    long newChannels = 0;
    for (int i = 0; i <= last; i++) {
      Layer layer = conf.getConf(i).getLayer();
      String at = "layer " + i + " (" + layer.getClass().getSimpleName() + ")";
      InputPreProcessor pre = conf.getInputPreProcess(i);
      if (pre != null && oldChannels > 0) {
        if (!(pre instanceof CnnToFeedForwardPreProcessor flatten)
            || flatten.getNumChannels() != oldChannels) {
          throw cannot(
              source,
              at
                  + " takes its input through "
                  + pre
                  + ", which is not a flattening of the previous layer's "
                  + oldChannels
                  + " channels");
        }
        flatten.setNumChannels(newChannels);
      }
      if (layer instanceof NoParamLayer || layer instanceof LocalResponseNormalization) {
        continue; // pooling, padding, activation: the channels pass through
      }
      if (!(layer instanceof FeedForwardLayer ff) || layer instanceof DepthwiseConvolution2D) {
        throw refused(source, at);
      }
      if (oldChannels > 0) {
        if (ff.getNIn() % oldChannels != 0) {
          throw cannot(
              source,
              at
                  + " takes "
                  + ff.getNIn()
                  + " inputs, not a multiple of the previous layer's "
                  + oldChannels
                  + " channels");
        }
        ff.setNIn(ff.getNIn() / oldChannels * newChannels);
      }
      if (layer instanceof BatchNormalization || layer instanceof DropoutLayer) {
        if (oldChannels > 0) {
          ff.setNOut(ff.getNIn()); // as wide as its input
        }
      } else if (i < last) {
        if (layer instanceof BaseOutputLayer
            || !(layer instanceof ConvolutionLayer || layer.getClass() == DenseLayer.class)) {
          throw refused(source, at);
        }
        oldChannels = ff.getNOut();
        newChannels = Math.max(1, Math.round(oldChannels * factor));
        ff.setNOut(newChannels);
      }
    }
    return conf.toJson();
  }

  private static IllegalArgumentException refused(String source, String at) {
    return cannot(
        source,
        at
            + " is not a dense, convolution, batch normalisation, dropout or parameter-free"
            + " layer");
  }

  private static IllegalArgumentException cannot(String source, String why) {
    return new IllegalArgumentException("Cannot change the width of " + source + ": " + why);
  }
}
