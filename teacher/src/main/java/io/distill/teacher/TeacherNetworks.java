package io.distill.teacher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.core.Checks;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.LogitsOutput;
import io.distill.trainer.Optimiser;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Builders of DL4J {@link MultiLayerConfiguration}s for teacher networks: fully connected ReLU
 * networks with dropout and a max-norm constraint, whose output layer has {@link
 * Activation#IDENTITY} activation and {@link DistillationLoss#hardLabelsOnly()} as its loss, so the
 * network's outputs are <b>logits</b> (what the soft-label job softens at a temperature) and it
 * trains on the same {@code 2K}-wide labels as the students.
 *
 * <h2>Regularisation as configured</h2>
 *
 * <ul>
 *   <li><b>Dropout.</b> DL4J's {@code dropOut(p)} takes the probability of <em>retaining</em> a
 *       unit and applies it to a layer's <em>input</em>: the first layer gets the input retain
 *       probability (on the pixels), every later layer (hidden and output) the hidden retain
 *       probability (on the previous layer's activations). A retain probability of 1 configures no
 *       dropout at all. Dropout is active only in training; {@code output(x, false)} and {@link
 *       TeacherModel#logits} run without it (DL4J uses inverted dropout, so no rescaling is
 *       needed).
 *   <li><b>Max-norm.</b> {@link MaxNormConstraint} on every layer's weights {@code W} (shape {@code
 *       [nIn, nOut]}), over dimension 0: the incoming weight vector of each unit is rescaled to L2
 *       norm at most {@code c} after each parameter update (Srivastava et al. 2014). Biases are not
 *       constrained. (DL4J's own Javadoc suggests dimension 1 for dense layers, which would bound
 *       each <em>input</em>'s outgoing weights instead.)
 * </ul>
 *
 * Hidden layers use He ({@link WeightInit#RELU}) initialisation, the output layer {@link
 * WeightInit#XAVIER}; the data type is {@code FLOAT}.
 *
 * <h2>Cost</h2>
 *
 * Building a configuration allocates nothing; a network built from it holds {@link #parameterCount}
 * floats (4 bytes each), plus the updater's state during training (Nesterov momentum: one more
 * float per parameter; Adam: two).
 */
public final class TeacherNetworks {

  /** Input pixels of an MNIST image (28 × 28). */
  public static final int MNIST_INPUTS = 784;

  /** MNIST classes (digits 0–9). */
  public static final int MNIST_CLASSES = 10;

  /** Hidden layers of Hinton, Vinyals &amp; Dean (2015)'s MNIST teacher. */
  public static final int[] HINTON_MNIST_HIDDEN = {1200, 1200};

  /** Retain probability on the input pixels in {@link #hintonMnist} (dropout 0.2). */
  public static final double HINTON_MNIST_INPUT_RETAIN = 0.8;

  /** Retain probability on hidden activations in {@link #hintonMnist} (dropout 0.5). */
  public static final double HINTON_MNIST_HIDDEN_RETAIN = 0.5;

  /** Max-norm bound on each unit's incoming weight vector in {@link #hintonMnist}. */
  public static final double HINTON_MNIST_MAX_NORM = 3.5;

  private TeacherNetworks() {}

  /**
   * The default teacher updater, {@link Optimiser#teacherDefault()}: SGD with Nesterov momentum
   * (dropout nets tolerate, and need, a larger step than plain nets; the max-norm constraint keeps
   * the weights from blowing up). A new instance each call (updaters are mutable).
   */
  public static IUpdater defaultUpdater() {
    return Optimiser.teacherDefault().updater();
  }

  /**
   * Hinton, Vinyals &amp; Dean (2015)'s MNIST teacher, 784-1200-1200-10 (2,395,210 parameters),
   * with dropout (retain 0.8 on the input, 0.5 on hidden units), max-norm {@value
   * #HINTON_MNIST_MAX_NORM} and {@link #defaultUpdater()}.
   */
  public static MultiLayerConfiguration hintonMnist(long seed) {
    return hintonMnist(defaultUpdater(), seed);
  }

  /**
   * {@link #hintonMnist(long)} with the given updater (and so learning rate), e.g. {@code new
   * Adam(1e-3)}.
   */
  public static MultiLayerConfiguration hintonMnist(IUpdater updater, long seed) {
    return mlp(
        MNIST_INPUTS,
        HINTON_MNIST_HIDDEN,
        MNIST_CLASSES,
        HINTON_MNIST_INPUT_RETAIN,
        HINTON_MNIST_HIDDEN_RETAIN,
        HINTON_MNIST_MAX_NORM,
        updater,
        seed);
  }

  /**
   * A fully connected ReLU network {@code inputs-hidden[0]-…-classes} with an identity output layer
   * (logits) trained with {@link DistillationLoss#hardLabelsOnly()}; see the class comment for
   * where dropout and max-norm go.
   *
   * @param inputs features per example, at least 1
   * @param hidden sizes of the hidden layers, each at least 1; may be empty (a linear softmax
   *     classifier)
   * @param classes output units, at least 2
   * @param inputRetain retain probability on the network's input, in (0, 1]; 1 = no input dropout
   * @param hiddenRetain retain probability on hidden activations, in (0, 1]; 1 = no hidden dropout
   * @param maxNorm bound on each unit's incoming weight norm, positive and finite; null = no
   *     constraint
   * @param updater the updater (learning rate, momentum, …); not null
   * @param seed seed for weight initialisation and dropout masks
   * @throws IllegalArgumentException naming the argument and the value it cannot be
   */
  public static MultiLayerConfiguration mlp(
      int inputs,
      int[] hidden,
      int classes,
      double inputRetain,
      double hiddenRetain,
      Double maxNorm,
      IUpdater updater,
      long seed) {
    if (inputs < 1) {
      throw new IllegalArgumentException("inputs must be at least 1, cannot be: " + inputs);
    }
    Objects.requireNonNull(hidden, "hidden (use an empty array for no hidden layers)");
    for (int i = 0; i < hidden.length; i++) {
      if (hidden[i] < 1) {
        throw new IllegalArgumentException(
            "hidden layer sizes must be at least 1, cannot be: "
                + hidden[i]
                + " (hidden["
                + i
                + "] of "
                + Arrays.toString(hidden)
                + ")");
      }
    }
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be at least 2, cannot be: " + classes);
    }
    Checks.retain("inputRetain", inputRetain);
    Checks.retain("hiddenRetain", hiddenRetain);
    if (maxNorm != null && !(maxNorm > 0.0 && maxNorm < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "maxNorm must be positive and finite (or null for none), cannot be: " + maxNorm);
    }
    Objects.requireNonNull(updater, "updater");

    NeuralNetConfiguration.ListBuilder list =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .dataType(DataType.FLOAT)
            .updater(updater.clone())
            .list();
    int nIn = inputs;
    for (int i = 0; i < hidden.length; i++) {
      DenseLayer.Builder layer =
          new DenseLayer.Builder()
              .nIn(nIn)
              .nOut(hidden[i])
              .activation(Activation.RELU)
              .weightInit(WeightInit.RELU);
      regularise(layer, i == 0 ? inputRetain : hiddenRetain, maxNorm);
      list.layer(layer.build());
      nIn = hidden[i];
    }
    OutputLayer.Builder output =
        new OutputLayer.Builder(DistillationLoss.hardLabelsOnly())
            .nIn(nIn)
            .nOut(classes)
            .activation(Activation.IDENTITY)
            .weightInit(WeightInit.XAVIER);
    regularise(output, hidden.length == 0 ? inputRetain : hiddenRetain, maxNorm);
    list.layer(output.build());
    return list.build();
  }

  /**
   * Parameters of a network of feed-forward layers: {@code Σ (nIn · nOut + nOut)} for dense and
   * output layers (equal to {@code MultiLayerNetwork.numParams()} once built, without allocating
   * it).
   */
  public static long parameterCount(MultiLayerConfiguration conf) {
    Objects.requireNonNull(conf, "conf");
    long count = 0;
    for (int i = 0; i < conf.getConfs().size(); i++) {
      count += conf.getConf(i).getLayer().initializer().numParams(conf.getConf(i));
    }
    return count;
  }

  /**
   * A teacher of any DL4J shape from a MultiLayerConfiguration JSON (e.g. the CNN in {@code
   * conf/teacher-cnn.json}): its output layer is made to emit logits and trained with {@link
   * DistillationLoss#hardLabelsOnly()}; its layers, updater and regularisation are the JSON's own.
   *
   * @param source names the JSON in messages (its path)
   */
  public static MultiLayerConfiguration fromJson(String json, String source) {
    return LogitsOutput.fromJson(json, "of teacher " + source, DistillationLoss.hardLabelsOnly());
  }

  /**
   * {@code conf} with every layer's learning rate multiplied by {@code factor}: a fixed rate, or
   * the schedule's values (its {@code initialValue}, or each value of a map schedule), in the
   * weights' and the biases' updaters alike; the updaters' kind, momentum and the rest are kept.
   * One way for any network, built from keys or given as JSON (e.g. a recipe search over rates).
   *
   * @throws IllegalArgumentException for a schedule without either form, named with its layer
   */
  public static MultiLayerConfiguration scaleLearningRate(
      MultiLayerConfiguration conf, double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("a learning-rate factor must be > 0, got " + factor);
    }
    if (factor == 1.0) {
      return conf;
    }
    ObjectMapper json = new ObjectMapper();
    try {
      JsonNode root = json.readTree(conf.toJson());
      JsonNode confs = root.path("confs");
      for (int i = 0; i < confs.size(); i++) {
        JsonNode layer = confs.get(i).path("layer");
        for (String key : List.of("iupdater", "biasUpdater")) {
          if (layer.get(key) instanceof ObjectNode updater) {
            scale(updater, factor, i);
          }
        }
      }
      return MultiLayerConfiguration.fromJson(json.writeValueAsString(root));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot rewrite the network's JSON: " + e.getMessage(), e);
    }
  }

  private static void scale(ObjectNode updater, double factor, int layer) {
    JsonNode rate = updater.get("learningRate");
    if (rate != null && rate.isNumber() && !Double.isNaN(rate.asDouble())) {
      updater.put("learningRate", rate.asDouble() * factor);
    }
    if (updater.get("learningRateSchedule") instanceof ObjectNode schedule) {
      if (schedule.get("initialValue") != null && schedule.get("initialValue").isNumber()) {
        schedule.put("initialValue", schedule.get("initialValue").asDouble() * factor);
      } else if (schedule.get("values") instanceof ObjectNode values) {
        values.fieldNames().forEachRemaining(k -> values.put(k, values.get(k).asDouble() * factor));
      } else {
        throw new IllegalArgumentException(
            "layer "
                + layer
                + "'s learning-rate schedule "
                + schedule.path("@class").asText()
                + " has neither an initialValue nor values to scale");
      }
    }
  }

  private static void regularise(FeedForwardLayer.Builder<?> layer, double retain, Double maxNorm) {
    if (retain < 1.0) {
      layer.dropOut(retain);
    }
    if (maxNorm != null) {
      // W is [nIn, nOut]: reducing over dimension 0 bounds each unit's incoming weight vector.
      layer.constrainWeights(new MaxNormConstraint(maxNorm, 0));
    }
  }
}
