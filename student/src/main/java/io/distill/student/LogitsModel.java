package io.distill.student;

import io.distill.trainer.NetworkFlops;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model as {@link ModelEvaluator} sees it: a function from a {@code [n, d]} feature matrix to
 * {@code [n, K]} logits, its number of trainable parameters and the size of its serialized form.
 *
 * <ul>
 *   <li>{@link #of(MultiLayerNetwork)}: logits are {@code net.output(x, false)} (the output layer
 *       must have identity activation, as every network of this project has); parameters {@code
 *       net.numParams()}; bytes the length of {@code ModelSerializer.writeModel(net, stream,
 *       false)} (the DL4J zip without updater state), computed on first use and cached.
 *   <li>{@link #of(ComputationGraph)}: the same for a graph with one input and one output ({@code
 *       graph.outputSingle(false, x)}).
 *   <li>{@link #of(Function, long, long)}: any function (e.g. a teacher wrapped elsewhere, whose
 *       logits may be log-probabilities: they differ from logits by a per-row constant, which
 *       changes neither argmax nor softmax), with the parameter count and byte size given by the
 *       caller.
 * </ul>
 *
 * <p>Holds a reference to the network, not a copy; DL4J networks are not meant to be used from
 * several threads at once, and neither is this.
 */
public final class LogitsModel {
  private final String description;
  private final Function<INDArray, INDArray> forward;
  private final long parameters;
  private final Model network;
  private final long inputSize;
  private final DataType inputType;
  private long serializedBytes;
  private final double givenForwardFlops;

  private LogitsModel(
      String description,
      Function<INDArray, INDArray> forward,
      long parameters,
      Model network,
      long serializedBytes,
      long inputSize,
      DataType inputType,
      double givenForwardFlops) {
    this.description = description;
    this.givenForwardFlops = givenForwardFlops;
    this.forward = forward;
    this.parameters = parameters;
    this.network = network;
    this.serializedBytes = serializedBytes;
    this.inputSize = inputSize;
    this.inputType = inputType;
  }

  /**
   * A multi-layer network whose output layer produces logits. When its first layer is a dense or
   * output layer without an input preprocessor, its input width is known and checked against the
   * test set's.
   *
   * @throws IllegalArgumentException if the network is null or {@code init()} was not called
   */
  public static LogitsModel of(MultiLayerNetwork net) {
    if (net == null) {
      throw new IllegalArgumentException("LogitsModel: network must not be null");
    }
    if (!net.isInitCalled()) {
      throw new IllegalArgumentException(
          "LogitsModel: the network is not initialized (call init() first)");
    }
    long inputSize = -1;
    Layer first = net.getLayer(0).conf().getLayer();
    if ((first instanceof DenseLayer || first instanceof BaseOutputLayer)
        && net.getLayerWiseConfigurations().getInputPreProcess(0) == null) {
      inputSize = net.layerInputSize(0);
    }
    return new LogitsModel(
        "MultiLayerNetwork",
        x -> net.output(x, false),
        net.numParams(),
        net,
        -1,
        inputSize,
        net.getLayerWiseConfigurations().getDataType(),
        Double.NaN);
  }

  /**
   * A computation graph with exactly one input and one output producing logits.
   *
   * @throws IllegalArgumentException if the graph is null, not initialized, or has several inputs
   *     or outputs
   */
  public static LogitsModel of(ComputationGraph graph) {
    if (graph == null) {
      throw new IllegalArgumentException("LogitsModel: graph must not be null");
    }
    if (graph.params() == null) {
      throw new IllegalArgumentException(
          "LogitsModel: the graph is not initialized (call init() first)");
    }
    if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1) {
      throw new IllegalArgumentException(
          "LogitsModel: the graph must have exactly one input and one output, has "
              + graph.getNumInputArrays()
              + " inputs and "
              + graph.getNumOutputArrays()
              + " outputs");
    }
    return new LogitsModel(
        "ComputationGraph",
        x -> graph.outputSingle(false, x),
        graph.numParams(),
        graph,
        -1,
        -1,
        graph.getConfiguration().getDataType(),
        Double.NaN);
  }

  /**
   * Any logits function.
   *
   * @param logits maps {@code [n, d]} features to {@code [n, K]} logits (or log-probabilities)
   * @param parameters the model's trainable parameters, at least 0
   * @param serializedBytes the size of the model's serialized form (e.g. its DL4J zip without
   *     updater), at least 0
   */
  public static LogitsModel of(
      Function<INDArray, INDArray> logits, long parameters, long serializedBytes) {
    return of(logits, parameters, serializedBytes, Double.NaN);
  }

  /**
   * As {@link #of(Function, long, long)}, with its forward flops per example (NaN when unknown).
   */
  public static LogitsModel of(
      Function<INDArray, INDArray> logits,
      long parameters,
      long serializedBytes,
      double forwardFlops) {
    if (logits == null) {
      throw new IllegalArgumentException("LogitsModel: logits function must not be null");
    }
    if (parameters < 0) {
      throw new IllegalArgumentException(
          "LogitsModel: parameters must be at least 0, cannot be: " + parameters);
    }
    if (serializedBytes < 0) {
      throw new IllegalArgumentException(
          "LogitsModel: serializedBytes must be at least 0, cannot be: " + serializedBytes);
    }
    return new LogitsModel(
        "function", logits, parameters, null, serializedBytes, -1, null, forwardFlops);
  }

  /**
   * Runs the model in inference mode and checks that it returned a {@code [n, K]} matrix for the
   * {@code n} rows of {@code features}.
   *
   * @throws IllegalStateException if the model's output has another shape
   */
  public INDArray logits(INDArray features) {
    Objects.requireNonNull(features, "features");
    INDArray out = forward.apply(features);
    if (out == null || out.rank() != 2 || out.size(0) != features.size(0)) {
      throw new IllegalStateException(
          "LogitsModel ("
              + description
              + "): expected ["
              + features.size(0)
              + ", K] logits for "
              + features.size(0)
              + " examples, got "
              + (out == null ? "null" : Arrays.toString(out.shape())));
    }
    return out;
  }

  /** The bare forward call, unchecked: what latency and throughput time. */
  INDArray forward(INDArray features) {
    return forward.apply(features);
  }

  /** Trainable parameters. */
  public long parameters() {
    return parameters;
  }

  /**
   * Bytes of the serialized model: for DL4J networks the length of their zip without updater state
   * (serialized once, into a stream that only counts, on the first call); for a function, the
   * number given.
   */
  public synchronized long serializedBytes() {
    if (serializedBytes < 0) {
      serializedBytes = serializedSize(network);
    }
    return serializedBytes;
  }

  /**
   * Flops of one example's forward pass with {@code features} inputs ({@link NetworkFlops}); for a
   * function, the number given (NaN when unknown).
   */
  public double forwardFlops(long features) {
    return network == null ? givenForwardFlops : NetworkFlops.forward(network, features);
  }

  /** The input width the model expects, or -1 if it cannot be told from the model. */
  public long inputSize() {
    return inputSize;
  }

  /**
   * The data type the network computes in, or null for a function (the features are passed as they
   * are).
   */
  public DataType inputType() {
    return inputType;
  }

  @Override
  public String toString() {
    return "LogitsModel(" + description + ", " + parameters + " parameters)";
  }

  /**
   * Length of {@code ModelSerializer.writeModel(model, stream, false)}, counted without storing the
   * bytes.
   */
  public static long serializedSize(Model model) {
    CountingOutputStream counter = new CountingOutputStream();
    try {
      ModelSerializer.writeModel(model, counter, false);
    } catch (IOException e) {
      throw new UncheckedIOException("LogitsModel: could not serialize the model", e);
    }
    return counter.count;
  }

  private static final class CountingOutputStream extends OutputStream {
    private long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      count += len;
    }
  }
}
