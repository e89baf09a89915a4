package io.distill.teacher;

import io.distill.losses.DistillationLabels;
import io.distill.trainer.NetworkFlops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loaded teacher: a DL4J {@link MultiLayerNetwork}, or a {@link ComputationGraph} with exactly
 * one input and one output, that maps a {@code [n, inputSize()]} feature matrix to {@code [n,
 * numClasses()]} logits. Obtained from {@link TeacherModelFile#load}, or {@link #of} for a network
 * in memory.
 *
 * <h2>Logits</h2>
 *
 * {@link #logits} runs the network in inference mode ({@code train = false}: no dropout). What it
 * returns depends on the output layer's activation, which {@link #outputsAreLogits()} reports:
 *
 * <ul>
 *   <li><b>identity</b> (the teachers {@link TeacherNetworks} builds): the output layer's values,
 *       unchanged.
 *   <li><b>softmax</b> (a classifier trained with DL4J's stock MCXENT/NLL losses): the
 *       <em>log-probabilities</em> {@code log softmax(z)} of the pre-softmax values {@code z}. They
 *       are computed stably from {@code z} by a twin network that shares the teacher's parameters
 *       (no copy) and has identity instead of softmax on its output layer, so a probability that
 *       underflows to 0 in float still gets a finite log. Since {@code log softmax(z) = z −
 *       logsumexp(z)} differs from {@code z} only by a per-row constant, {@code softmax(logits /
 *       T)} is the teacher's distribution at temperature {@code T} for every {@code T}, exactly as
 *       for an identity teacher; {@code exp(logits)} is the network's own output.
 * </ul>
 *
 * Any other output activation (sigmoid, tanh, …) is refused when the model is created: its outputs
 * are not a class distribution.
 *
 * <h2>Cost and threads</h2>
 *
 * {@link #logits} costs one forward pass (for the MLP teachers, {@code 2 · parameterCount()} flops
 * per example) plus, for softmax teachers, one row-wise log-softmax over {@code [n, K]}. The model
 * holds the network's parameters once (4 bytes each in FLOAT); the twin of a softmax teacher adds
 * only its layer objects. DL4J networks are not meant to be shared between threads: use one {@code
 * TeacherModel} per thread (per Spark task).
 */
public final class TeacherModel {

  /** Which network class holds the teacher: DL4J's two, or an ONNX model run by ONNX Runtime. */
  public enum Kind {
    MULTI_LAYER_NETWORK,
    COMPUTATION_GRAPH,
    ONNX
  }

  private final String path;
  private final Model network;
  private final Model logitsNetwork;
  private final boolean outputsAreLogits;
  private final long inputSize;
  private final long numClasses;
  private final DataType dataType;
  private final TeacherInfo info;
  private final OnnxTeacher onnx;

  private TeacherModel(
      String path,
      Model network,
      Model logitsNetwork,
      boolean outputsAreLogits,
      long inputSize,
      long numClasses,
      DataType dataType,
      TeacherInfo info) {
    this(
        path,
        network,
        logitsNetwork,
        outputsAreLogits,
        inputSize,
        numClasses,
        dataType,
        info,
        null);
  }

  private TeacherModel(
      String path,
      Model network,
      Model logitsNetwork,
      boolean outputsAreLogits,
      long inputSize,
      long numClasses,
      DataType dataType,
      TeacherInfo info,
      OnnxTeacher onnx) {
    this.onnx = onnx;
    this.path = path;
    this.network = network;
    this.logitsNetwork = logitsNetwork;
    this.outputsAreLogits = outputsAreLogits;
    this.inputSize = inputSize;
    this.numClasses = numClasses;
    this.dataType = dataType;
    this.info = info;
  }

  /**
   * Wraps a network in memory (e.g. a teacher just trained), described as {@code "<in memory>"} in
   * messages.
   *
   * @param network an initialised {@link MultiLayerNetwork}, or a {@link ComputationGraph} with one
   *     input and one output
   * @throws IllegalArgumentException if the network is of another kind, its sizes cannot be
   *     determined, or its output activation is neither identity nor softmax
   */
  public static TeacherModel of(Model network) {
    return create("<in memory>", network, null);
  }

  /**
   * As {@link #of}, naming {@code path} in messages and carrying the sidecar {@code info}
   * (nullable).
   */
  static TeacherModel create(String path, Model network, TeacherInfo info) {
    Objects.requireNonNull(network, "network");
    if (network instanceof MultiLayerNetwork mln) {
      return forMultiLayerNetwork(path, mln, info);
    }
    if (network instanceof ComputationGraph graph) {
      return forComputationGraph(path, graph, info);
    }
    throw new IllegalArgumentException(
        "Teacher "
            + path
            + " is a "
            + network.getClass().getName()
            + "; a teacher must be a MultiLayerNetwork or a ComputationGraph");
  }

  /** A teacher imported from ONNX. */
  static TeacherModel forOnnx(String path, OnnxTeacher onnx) {
    return new TeacherModel(
        path,
        null,
        null,
        onnx.outputsAreLogits(),
        onnx.inputSize(),
        onnx.classes(),
        DataType.FLOAT,
        null,
        onnx);
  }

  /**
   * A copy for another thread: DL4J networks must not run in two threads at once (an ONNX Runtime
   * session may, so an ONNX teacher shares it).
   */
  public TeacherModel copy() {
    if (onnx != null) {
      return new TeacherModel(
          path, null, null, outputsAreLogits, inputSize, numClasses, dataType, info, onnx.copy());
    }
    return create(
        path,
        network instanceof MultiLayerNetwork mln
            ? mln.clone()
            : ((ComputationGraph) network).clone(),
        info);
  }

  private static TeacherModel forMultiLayerNetwork(
      String path, MultiLayerNetwork net, TeacherInfo info) {
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    int layers = conf.getConfs().size();
    if (layers == 0) {
      throw new IllegalArgumentException(
          "Teacher " + path + " is a MultiLayerNetwork without layers");
    }
    long inputs =
        inputSizeOf(path, "layer 0", conf.getConf(0).getLayer(), conf.getInputPreProcess(0));
    long classes = -1;
    for (int i = layers - 1; i >= 0 && classes < 0; i--) {
      Layer layer = conf.getConf(i).getLayer();
      if (layer instanceof FeedForwardLayer ff && ff.getNOut() > 0) {
        classes = ff.getNOut();
      } else if (!sizePreserving(layer)) {
        throw new IllegalArgumentException(
            "Teacher "
                + path
                + ": cannot tell how many classes it predicts: layer "
                + i
                + " ("
                + describe(layer)
                + ") has no output size");
      }
    }
    if (classes < 0) {
      throw new IllegalArgumentException(
          "Teacher "
              + path
              + ": cannot tell how many classes it predicts:"
              + " no layer has an output size");
    }
    Layer output = conf.getConf(layers - 1).getLayer();
    boolean logits = outputsLogits(path, output);
    Model logitsNetwork = net;
    if (!logits) {
      MultiLayerConfiguration twinConf = conf.clone();
      setIdentity(twinConf.getConf(layers - 1).getLayer());
      MultiLayerNetwork twin = new MultiLayerNetwork(twinConf);
      twin.init(net.params(), false);
      logitsNetwork = twin;
    }
    return new TeacherModel(
        path, net, logitsNetwork, logits, inputs, classes, conf.getDataType(), info);
  }

  private static TeacherModel forComputationGraph(
      String path, ComputationGraph graph, TeacherInfo info) {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    List<String> inputs = conf.getNetworkInputs();
    List<String> outputs = conf.getNetworkOutputs();
    if (inputs.size() != 1 || outputs.size() != 1) {
      throw new IllegalArgumentException(
          "Teacher "
              + path
              + " is a ComputationGraph with "
              + inputs.size()
              + " input(s) "
              + inputs
              + " and "
              + outputs.size()
              + " output(s) "
              + outputs
              + "; a teacher needs exactly one input (the features) and one output (the class scores)");
    }
    String input = inputs.get(0);
    Map<String, GraphVertex> vertices = conf.getVertices();

    // Input size: what the vertices reading the network input take.
    TreeSet<Long> sizes = new TreeSet<>();
    List<String> consumers = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
      if (e.getValue().contains(input)) {
        consumers.add(e.getKey());
        GraphVertex vertex = vertices.get(e.getKey());
        if (!(vertex instanceof LayerVertex lv)) {
          throw new IllegalArgumentException(
              "Teacher "
                  + path
                  + ": cannot tell how many inputs it takes: the network"
                  + " input '"
                  + input
                  + "' feeds vertex '"
                  + e.getKey()
                  + "', a "
                  + vertex.getClass().getSimpleName()
                  + ", not a layer");
        }
        sizes.add(
            inputSizeOf(
                path,
                "vertex '" + e.getKey() + "'",
                lv.getLayerConf().getLayer(),
                lv.getPreProcessor()));
      }
    }
    if (sizes.size() != 1) {
      throw new IllegalArgumentException(
          "Teacher "
              + path
              + ": cannot tell how many inputs it takes: the network"
              + " input '"
              + input
              + "' feeds "
              + consumers
              + " which take "
              + sizes
              + " values");
    }

    // Classes: walk back from the output over size-preserving layers to the first layer with an
    // output size.
    String outputName = outputs.get(0);
    Layer outputLayer = layerOf(path, vertices, outputName);
    long classes = -1;
    String name = outputName;
    while (classes < 0) {
      Layer layer = layerOf(path, vertices, name);
      if (layer instanceof FeedForwardLayer ff && ff.getNOut() > 0) {
        classes = ff.getNOut();
      } else {
        List<String> from = conf.getVertexInputs().get(name);
        if (!sizePreserving(layer)
            || from == null
            || from.size() != 1
            || from.get(0).equals(input)) {
          throw new IllegalArgumentException(
              "Teacher "
                  + path
                  + ": cannot tell how many classes it predicts:"
                  + " vertex '"
                  + name
                  + "' ("
                  + describe(layer)
                  + ") has no output size");
        }
        name = from.get(0);
      }
    }

    boolean logits = outputsLogits(path, outputLayer);
    Model logitsNetwork = graph;
    if (!logits) {
      ComputationGraphConfiguration twinConf = conf.clone();
      setIdentity(((LayerVertex) twinConf.getVertices().get(outputName)).getLayerConf().getLayer());
      ComputationGraph twin = new ComputationGraph(twinConf);
      twin.init(graph.params(), false);
      logitsNetwork = twin;
    }
    return new TeacherModel(
        path, graph, logitsNetwork, logits, sizes.first(), classes, conf.getDataType(), info);
  }

  private static Layer layerOf(String path, Map<String, GraphVertex> vertices, String name) {
    GraphVertex vertex = vertices.get(name);
    if (!(vertex instanceof LayerVertex lv)) {
      throw new IllegalArgumentException(
          "Teacher "
              + path
              + ": vertex '"
              + name
              + "' on the way to the output is a "
              + (vertex == null ? "missing vertex" : vertex.getClass().getSimpleName())
              + ", not a layer; a teacher's output must come from a layer");
    }
    return lv.getLayerConf().getLayer();
  }

  private static long inputSizeOf(
      String path, String where, Layer layer, InputPreProcessor preProcessor) {
    if (preProcessor instanceof FeedForwardToCnnPreProcessor cnn) {
      // Flat features reshaped to [channels, height, width] (e.g.
      // setInputType(convolutionalFlat(28, 28, 1))).
      return cnn.getInputHeight() * cnn.getInputWidth() * cnn.getNumChannels();
    }
    if (layer instanceof FeedForwardLayer ff && ff.getNIn() > 0) {
      return ff.getNIn();
    }
    throw new IllegalArgumentException(
        "Teacher "
            + path
            + ": cannot tell how many inputs it takes: "
            + where
            + " ("
            + describe(layer)
            + ") does not read a flat feature vector of known size");
  }

  private static boolean sizePreserving(Layer layer) {
    return layer instanceof ActivationLayer || layer instanceof LossLayer;
  }

  private static IActivation activationOf(Layer layer) {
    if (layer instanceof BaseLayer base) {
      return base.getActivationFn();
    }
    if (layer instanceof ActivationLayer activation) {
      return activation.getActivationFn();
    }
    return null;
  }

  private static boolean outputsLogits(String path, Layer output) {
    IActivation activation = activationOf(output);
    if (activation instanceof ActivationIdentity) {
      return true;
    }
    if (activation instanceof ActivationSoftmax) {
      return false;
    }
    throw new IllegalArgumentException(
        "Teacher "
            + path
            + "'s output layer ("
            + describe(output)
            + ") has "
            + (activation == null ? "no activation function" : "activation " + activation)
            + "; a teacher's outputs must be logits (identity activation) or class probabilities (softmax)");
  }

  private static void setIdentity(Layer layer) {
    if (layer instanceof BaseLayer base) {
      base.setActivationFn(new ActivationIdentity());
    } else {
      ((ActivationLayer) layer).setActivationFn(new ActivationIdentity());
    }
  }

  private static String describe(Layer layer) {
    String name = layer.getLayerName();
    return layer.getClass().getSimpleName() + (name == null ? "" : " '" + name + "'");
  }

  /** Where the teacher was loaded from (a qualified Hadoop path), or {@code "<in memory>"}. */
  public String path() {
    return path;
  }

  /** Which DL4J class holds the network. */
  public Kind kind() {
    return onnx != null
        ? Kind.ONNX
        : network instanceof MultiLayerNetwork ? Kind.MULTI_LAYER_NETWORK : Kind.COMPUTATION_GRAPH;
  }

  /**
   * Bytes of the model as stored: the ONNX file's size (for DL4J networks, see their own
   * serialisation).
   */
  /** The input the teacher takes, e.g. "[n, 784]" or "[n, 1, 28, 28]" for an image graph. */
  public String inputShape() {
    long[] row = onnx != null ? onnx.rowShape() : new long[] {inputSize};
    StringBuilder s = new StringBuilder("[n");
    for (long d : row) {
      s.append(", ").append(d);
    }
    return s.append(']').toString();
  }

  public long onnxBytes() {
    return onnx == null ? -1 : onnx.serializedBytes();
  }

  /**
   * The network itself (a {@link MultiLayerNetwork} or a {@link ComputationGraph}); not a copy.
   * Null for an ONNX teacher.
   */
  public Model network() {
    return network;
  }

  /** Features per example the teacher takes (columns of the input to {@link #logits}). */
  public long inputSize() {
    return inputSize;
  }

  /** Classes the teacher predicts: the size of its output, the columns of {@link #logits}. */
  public long numClasses() {
    return numClasses;
  }

  /** Parameters of the network (weights and biases; not the updater state). */
  public long parameterCount() {
    return onnx != null ? onnx.parameterCount() : network.numParams();
  }

  /**
   * Flops of one example's forward pass ({@link NetworkFlops}); NaN for an ONNX teacher (not
   * counted).
   */
  public double forwardFlops() {
    return onnx != null ? Double.NaN : NetworkFlops.forward(network, inputSize);
  }

  /**
   * True when the network's output layer has identity activation, so its outputs are the logits
   * themselves; false for a softmax output, where {@link #logits} returns log-probabilities (see
   * the class comment).
   */
  public boolean outputsAreLogits() {
    return outputsAreLogits;
  }

  /**
   * The data type the network computes in (its parameters' type); {@link #logits} returns this
   * type.
   */
  public DataType dataType() {
    return dataType;
  }

  /** The sidecar written with the model, if there was one. */
  public Optional<TeacherInfo> info() {
    return Optional.ofNullable(info);
  }

  /**
   * The teacher's logits for a batch, in inference mode (no dropout): the output layer's values for
   * an identity output, the stable log-probabilities for a softmax output (see the class comment).
   *
   * @param features {@code [n, inputSize()]}; any numeric type, cast to {@link #dataType()} if
   *     needed
   * @return a new {@code [n, numClasses()]} array
   * @throws IllegalArgumentException if {@code features} is not a matrix with {@code inputSize()}
   *     columns
   */
  public INDArray logits(INDArray features) {
    Objects.requireNonNull(features, "features");
    if (features.rank() != 2 || features.size(1) != inputSize) {
      throw new IllegalArgumentException(
          "Teacher "
              + path
              + " takes "
              + inputSize
              + " inputs, got features of shape "
              + Arrays.toString(features.shape())
              + " (expected [n, "
              + inputSize
              + "])");
    }
    INDArray x = features.dataType() == dataType ? features : features.castTo(dataType);
    if (onnx != null) {
      return onnx.logits(x);
    }
    INDArray out =
        logitsNetwork instanceof MultiLayerNetwork mln
            ? mln.output(x, false)
            : ((ComputationGraph) logitsNetwork).outputSingle(false, x);
    return outputsAreLogits ? out : DistillationLabels.logSoftmaxAtTemperature(out, 1.0);
  }

  /**
   * The teacher's probabilities at temperature {@code T}, {@code softmax(logits / T)}: the soft
   * half of the distillation labels.
   *
   * @param features as for {@link #logits}
   * @param temperature {@code T}, positive and finite
   * @return a new {@code [n, numClasses()]} array whose rows sum to 1
   */
  public INDArray softLabels(INDArray features, double temperature) {
    return DistillationLabels.softmaxAtTemperature(logits(features), temperature);
  }

  @Override
  public String toString() {
    return "TeacherModel("
        + path
        + ", "
        + switch (kind()) {
          case MULTI_LAYER_NETWORK -> "MultiLayerNetwork";
          case COMPUTATION_GRAPH -> "ComputationGraph";
          case ONNX -> "ONNX Runtime";
        }
        + ", "
        + inputSize
        + " inputs, "
        + numClasses
        + " classes, "
        + parameterCount()
        + " parameters, "
        + (outputsAreLogits ? "identity output" : "softmax output")
        + ")";
  }
}
