package io.distill.teacher;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * A teacher exported as ONNX (from PyTorch, TensorFlow, ...), run by ONNX Runtime's Java API. The
 * graph must have one float input, {@code [n, features]} or an image {@code [n, c, h, w]} / {@code
 * [n, h, w, c]} (dimensions the graph leaves open come from {@link TeacherInput#shape()}), and one
 * output {@code [n, classes]}: logits, or probabilities when its last op is a Softmax (then their
 * logs are used, as for a DL4J softmax teacher; a probability that is 0 in float gets log 1e-45).
 *
 * <p>One {@link OrtSession} serves every thread of a JVM (ONNX Runtime's {@code Run} may be called
 * concurrently on one session), with as many intra-op threads as the Spark task that creates it has
 * cores ({@code spark.task.cpus}; all cores outside a task); with the CUDA build ({@code -Pcuda})
 * it runs on the GPU.
 */
final class OnnxTeacher {
  private static final Cleaner SESSIONS = Cleaner.create();

  /** Closes a session once no teacher holds it (holds the session, never the teacher). */
  private record Closer(OrtSession session) implements Runnable {
    @Override
    public void run() {
      closeQuietly(session);
    }
  }

  private static final Pattern UNKNOWN_OP =
      Pattern.compile("([\\w.]+:[\\w.]+)\\(-?\\d+\\) is not a registered function/op");
  private final OrtSession session;
  private final String input;
  private final long[] rowShape;
  private final long classes;
  private final boolean softmax;
  private final long parameters;
  private final long bytes;
  private final float[] scale;
  private final float[] shift;

  private OnnxTeacher(
      OrtSession session,
      String input,
      long[] rowShape,
      long classes,
      boolean softmax,
      long parameters,
      long bytes,
      float[] scale,
      float[] shift) {
    this.session = session;
    this.input = input;
    this.rowShape = rowShape;
    this.classes = classes;
    this.softmax = softmax;
    this.parameters = parameters;
    this.bytes = bytes;
    this.scale = scale;
    this.shift = shift;
  }

  /**
   * Opens {@code file} (a local copy of the teacher named {@code name} in messages) in ONNX
   * Runtime.
   *
   * @throws IllegalArgumentException naming the file: not ONNX, not one input and one output, an
   *     input ONNX Runtime cannot take, an output that is not {@code [n, classes]}
   */
  static OnnxTeacher load(String name, Path file, TeacherInput declared) throws IOException {
    onnx.Onnx.ModelProto model;
    byte[] bytes = Files.readAllBytes(file);
    try {
      model = onnx.Onnx.ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "Teacher " + name + " is not an ONNX model (" + e.getMessage() + ")", e);
    }
    OrtSession session;
    try {
      session = OrtEnvironment.getEnvironment().createSession(bytes, options());
    } catch (OrtException e) {
      Matcher op = UNKNOWN_OP.matcher(String.valueOf(e.getMessage()));
      if (op.find()) {
        throw new IllegalArgumentException(
            "Teacher "
                + name
                + " uses the ONNX op '"
                + op.group(1)
                + "', which ONNX Runtime "
                + OrtEnvironment.getEnvironment().getVersion()
                + " does not have",
            e);
      }
      throw new IllegalArgumentException(
          "Teacher " + name + " is not an ONNX model ONNX Runtime can run: " + e.getMessage(), e);
    }
    try {
      return open(name, bytes.length, declared, model, session);
    } catch (RuntimeException | OrtException e) {
      closeQuietly(session);
      if (e instanceof OrtException) {
        throw new IllegalArgumentException(
            "Teacher " + name + " fails in ONNX Runtime: " + e.getMessage(), e);
      }
      throw (RuntimeException) e;
    }
  }

  private static OnnxTeacher open(
      String name,
      long bytes,
      TeacherInput declared,
      onnx.Onnx.ModelProto model,
      OrtSession session)
      throws OrtException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    if (inputs.size() != 1) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + " has inputs "
              + inputs.keySet()
              + "; a teacher needs exactly one input (the features)");
    }
    if (outputs.size() != 1) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + " has outputs "
              + outputs.keySet()
              + "; a teacher needs exactly one output (the class scores)");
    }
    NodeInfo in = inputs.values().iterator().next();
    if (!(in.getInfo() instanceof TensorInfo tensor) || tensor.type != OnnxJavaType.FLOAT) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + ": its input '"
              + in.getName()
              + "' is "
              + in.getInfo()
              + "; expected a float tensor");
    }
    long[] rowShape = rowShape(name, in.getName(), tensor.getShape(), declared);
    long features = Arrays.stream(rowShape).reduce(1, Math::multiplyExact);
    float[] scale = new float[Math.toIntExact(features)];
    float[] shift = new float[scale.length];
    perFeatureScaling(name, rowShape, declared, scale, shift);
    String outputName = outputs.keySet().iterator().next();
    OnnxTeacher teacher =
        new OnnxTeacher(
            session,
            in.getName(),
            rowShape,
            0,
            producedBySoftmax(model, outputName),
            parameterCount(model),
            bytes,
            scale,
            shift);
    INDArray probe = teacher.run(Nd4j.zeros(DataType.FLOAT, 2, features));
    if (probe.rank() != 2 || probe.rows() != 2) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + ": its output '"
              + outputName
              + "' has shape "
              + Arrays.toString(probe.shape())
              + " for 2 rows; expected [n, classes]");
    }
    OnnxTeacher loaded =
        new OnnxTeacher(
            session,
            teacher.input,
            rowShape,
            probe.size(1),
            teacher.softmax,
            teacher.parameters,
            teacher.bytes,
            scale,
            shift);
    // The session's native memory (the whole model) goes when the last teacher holding it does:
    // stages that load a teacher only to check its shape do not leave one behind each.
    SESSIONS.register(loaded, new Closer(session));
    return loaded;
  }

  /**
   * One row's shape: the graph's input shape without its batch dimension, open dimensions taken
   * from the declared shape; a declared shape that contradicts a dimension the graph fixes is
   * refused naming both.
   */
  private static long[] rowShape(String name, String input, long[] graph, TeacherInput declared) {
    if (graph.length < 2) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + ": its input '"
              + input
              + "' has shape "
              + Arrays.toString(graph)
              + "; expected [n, features], [n, c, h, w] or [n, h, w, c]");
    }
    long[] row = Arrays.copyOfRange(graph, 1, graph.length);
    if (declared.shape() != null) {
      long[] given = declared.shape().stream().mapToLong(Integer::longValue).toArray();
      boolean fits = given.length == row.length;
      for (int i = 0; fits && i < row.length; i++) {
        fits = row[i] <= 0 || row[i] == given[i];
      }
      if (!fits) {
        throw new IllegalArgumentException(
            inputIs(name, input, row) + " but teacher.input-shape says " + declared.shape());
      }
      return given;
    }
    for (long d : row) {
      if (d <= 0) {
        throw new IllegalArgumentException(
            inputIs(name, input, row)
                + ", with dimensions the graph leaves open; give one row's shape as"
                + " teacher.input-shape (e.g. [1, 28, 28])");
      }
    }
    return row;
  }

  /** "Teacher NAME: its input 'INPUT' is [n, ROW]", for a refusal. */
  private static String inputIs(String name, String input, long[] row) {
    return "Teacher " + name + ": its input '" + input + "' is [n, " + describe(row) + "]";
  }

  private static String describe(long[] row) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < row.length; i++) {
      s.append(i == 0 ? "" : ", ").append(row[i] <= 0 ? "?" : String.valueOf(row[i]));
    }
    return s.toString();
  }

  /**
   * {@code (x × scale − mean) / std} as {@code x × a + b} per flat feature. Per-channel values need
   * an image whose channel axis is plain: the first of {@code [c, h, w]} or the last of {@code [h,
   * w, c]}, the one of at most 4 when the other is larger.
   */
  private static void perFeatureScaling(
      String name, long[] row, TeacherInput declared, float[] a, float[] b) {
    int channels = Math.max(declared.mean().size(), declared.std().size());
    boolean first = false;
    if (channels > 1) {
      if (row.length == 3 && row[0] == channels && row[2] != channels) {
        first = true;
      } else if (!(row.length == 3 && row[2] == channels)) {
        throw new IllegalArgumentException(
            "Teacher "
                + name
                + ": teacher.input-mean/std give "
                + channels
                + " per-channel values, but a row of its input is ["
                + describe(row)
                + "], which has no channel axis of that size first or last");
      }
    }
    for (int i = 0; i < a.length; i++) {
      int c = channels == 1 ? 0 : first ? (int) (i / (row[1] * row[2])) : (int) (i % row[2]);
      double mean = declared.mean().get(declared.mean().size() == 1 ? 0 : c);
      double std = declared.std().get(declared.std().size() == 1 ? 0 : c);
      a[i] = (float) (declared.scale() / std);
      b[i] = (float) (-mean / std);
    }
  }

  private static boolean producedBySoftmax(onnx.Onnx.ModelProto model, String output) {
    for (onnx.Onnx.NodeProto node : model.getGraph().getNodeList()) {
      if (node.getOutputList().contains(output)) {
        return "Softmax".equals(node.getOpType());
      }
    }
    return false;
  }

  private static long parameterCount(onnx.Onnx.ModelProto model) {
    long count = 0;
    for (onnx.Onnx.TensorProto t : model.getGraph().getInitializerList()) {
      count += t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact);
    }
    return count;
  }

  private static OrtSession.SessionOptions options() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    // A task's cores; on a driver (local mode shares the session with its tasks) spark.task.cpus;
    // outside Spark every core.
    TaskContext task = TaskContext.get();
    int threads =
        task != null
            ? task.cpus()
            : SparkEnv.get() != null
                ? SparkEnv.get().conf().getInt("spark.task.cpus", 1)
                : Runtime.getRuntime().availableProcessors();
    options.setIntraOpNumThreads(Math.max(1, threads));
    options.setInterOpNumThreads(1);
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      options.addCUDA(0);
    }
    return options;
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException ignored) {
      // already failing
    }
  }

  /**
   * The teacher's outputs for {@code [n, inputSize]} features: logits, or log-probabilities of a
   * softmax output.
   */
  INDArray logits(INDArray features) {
    INDArray out = run(features);
    return softmax ? Transforms.log(Transforms.max(out, 1e-45f, true), false) : out;
  }

  private INDArray run(INDArray features) {
    long n = features.rows();
    float[] x = features.castTo(DataType.FLOAT).dup('c').data().asFloat();
    int width = scale.length;
    if ((long) x.length != n * width) {
      throw new IllegalArgumentException(
          "The teacher takes rows of "
              + width
              + " values ([n, "
              + describe(rowShape)
              + "]); got "
              + features.columns()
              + " per row");
    }
    for (int i = 0; i < x.length; i++) {
      int j = i % width;
      x[i] = x[i] * scale[j] + shift[j];
    }
    long[] shape = new long[rowShape.length + 1];
    shape[0] = n;
    System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
        OrtSession.Result result = session.run(Map.of(input, tensor))) {
      OnnxTensor out = (OnnxTensor) result.get(0);
      long[] outShape = out.getInfo().getShape();
      float[] values = new float[Math.toIntExact(out.getInfo().getNumElements())];
      out.getFloatBuffer().get(values);
      return Nd4j.create(values, outShape, 'c');
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a batch of " + n + " rows: " + e, e);
    } finally {
      Reference.reachabilityFence(this); // its session is not closed while it runs
    }
  }

  /** This teacher, for another thread: one ONNX Runtime session serves them all. */
  OnnxTeacher copy() {
    return this;
  }

  long inputSize() {
    return scale.length;
  }

  /** One row's shape as the graph takes it, without the batch dimension. */
  long[] rowShape() {
    return rowShape.clone();
  }

  long classes() {
    return classes;
  }

  boolean outputsAreLogits() {
    return !softmax;
  }

  long parameterCount() {
    return parameters;
  }

  /** Bytes of the ONNX file. */
  long serializedBytes() {
    return bytes;
  }
}
