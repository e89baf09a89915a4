package io.distill.trainer;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Floating-point operations of one example's forward pass through a DL4J network, for the GFLOP/s
 * figures of the report and the benchmarks: each layer's weight matrix {@code W} costs {@code 2 ×
 * |W|} flops (a multiply and an add per weight) at every output position, i.e. {@code 2·nIn·nOut}
 * for a dense layer and {@code 2·kH·kW·cIn·cOut·H·W} for a convolution producing {@code H × W}
 * positions; biases, activations, pooling and normalisation are left out (they are a few percent of
 * a GEMM-bound network). The positions are read from one forward pass of a zero example, so the
 * count follows whatever the configuration does to the shapes. A training step is counted as 3
 * forward passes (forward, and backward through activations and weights).
 *
 * <p>Cost: one forward pass of one example.
 */
public final class NetworkFlops {
  /** A training step's flops per example, as a multiple of the forward pass's. */
  public static final double TRAINING_PASSES = 3.0;

  private NetworkFlops() {}

  /**
   * Forward flops per example of {@code network} (a MultiLayerNetwork or a one-input
   * ComputationGraph).
   */
  public static double forward(Model network, long features) {
    INDArray example = Nd4j.zeros(DataType.FLOAT, 1, features);
    double flops = 0;
    if (network instanceof MultiLayerNetwork net) {
      List<INDArray> activations = net.feedForward(example.castTo(net.params().dataType()), false);
      Layer[] layers = net.getLayers();
      for (int i = 0; i < layers.length; i++) {
        flops += layerFlops(layers[i], activations.get(i + 1)); // activations.get(0) is the input
      }
    } else if (network instanceof ComputationGraph graph) {
      Map<String, INDArray> activations =
          graph.feedForward(example.castTo(graph.params().dataType()), false);
      for (Layer layer : graph.getLayers()) {
        flops += layerFlops(layer, activations.get(layer.conf().getLayer().getLayerName()));
      }
    } else {
      throw new IllegalArgumentException(
          "Cannot count the flops of a " + network.getClass().getName());
    }
    return flops;
  }

  private static double layerFlops(Layer layer, INDArray output) {
    INDArray weights = layer.paramTable(false).get("W");
    if (weights == null
        || output == null
        || !(layer.conf().getLayer() instanceof FeedForwardLayer ff)
        || ff.getNOut() <= 0) {
      return 0;
    }
    double positions = (double) output.length() / ff.getNOut();
    return 2.0 * weights.length() * Math.max(1, positions);
  }
}
