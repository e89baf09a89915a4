package io.distill.teacher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.samediff.frameworkimport.onnx.importer.OnnxFrameworkImporter;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * A teacher exported as ONNX (from PyTorch, TensorFlow, ...), imported into a SameDiff graph with
 * nd4j's ONNX importer ({@code samediff-import-onnx}, the ND4J version). The graph must have one
 * input, {@code [n, features]}, and one output, {@code [n, classes]}: logits, or probabilities when
 * its last op is a softmax (then their logs are used, as for a DL4J softmax teacher; a probability
 * that is 0 in float gets log 1e-45).
 *
 * <p>Limits of the importer at 1.0.0-M2.1, found on this stack: an op it has no mapping for fails
 * the import (named in the error); its {@code Gemm} drops the bias and misreads default attributes,
 * so Gemm nodes are rewritten into plain ops first ({@link OnnxGemmRewrite}).
 *
 * <p>A SameDiff graph holds per-thread inference state; like a DL4J network, use one copy per task
 * thread ({@link #copy()}).
 */
final class OnnxTeacher {
  private final SameDiff graph;
  private final String input;
  private final String output;
  private final long inputSize;
  private final long classes;
  private final boolean softmax;
  private final long parameters;
  private final long bytes;

  private OnnxTeacher(
      SameDiff graph,
      String input,
      String output,
      long inputSize,
      long classes,
      boolean softmax,
      long parameters,
      long bytes) {
    this.graph = graph;
    this.input = input;
    this.output = output;
    this.inputSize = inputSize;
    this.classes = classes;
    this.softmax = softmax;
    this.parameters = parameters;
    this.bytes = bytes;
  }

  /**
   * Imports {@code file} (a local copy of the teacher named {@code name} in messages).
   *
   * @throws IllegalArgumentException naming the file: not ONNX, an op the importer lacks, not one
   *     input and one output, an input of unknown width
   */
  static OnnxTeacher load(String name, Path file) throws IOException {
    onnx.Onnx.ModelProto model;
    try {
      model = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(file));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "Teacher " + name + " is not an ONNX model (" + e.getMessage() + ")", e);
    }
    Path rewritten = Files.createTempFile("distill-teacher-", ".onnx");
    SameDiff graph;
    try {
      Files.write(rewritten, OnnxGemmRewrite.rewrite(model).toByteArray());
      graph = new OnnxFrameworkImporter().runImport(rewritten.toString(), Map.of(), false);
    } catch (RuntimeException e) {
      String message = String.valueOf(e.getMessage());
      String prefix = "No import process defined for ";
      if (message.startsWith(prefix)) {
        throw new IllegalArgumentException(
            "Teacher "
                + name
                + " uses the ONNX op '"
                + message.substring(prefix.length()).trim()
                + "', which nd4j's ONNX importer (samediff-import-onnx) cannot import",
            e);
      }
      throw new IllegalArgumentException(
          "Teacher " + name + " is not an ONNX model nd4j's importer can read: " + message, e);
    } finally {
      Files.deleteIfExists(rewritten);
    }
    List<String> inputs = graph.inputs();
    if (inputs == null || inputs.size() != 1) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + " has inputs "
              + inputs
              + "; a teacher needs exactly one"
              + " input (the features)");
    }
    String in = inputs.get(0);
    long[] shape = graph.getVariable(in).getShape();
    if (shape == null || shape.length != 2 || shape[1] <= 0) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + ": its input '"
              + in
              + "' has shape "
              + Arrays.toString(shape)
              + "; expected [n, features] with a known number of features");
    }
    List<String> outputs = new ArrayList<>();
    for (SDVariable v : graph.variables()) {
      if (v.getVariableType() == VariableType.ARRAY
          && graph.getVariables().get(v.name()).getInputsForOp() == null) {
        outputs.add(v.name());
      }
    }
    if (outputs.size() != 1) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + " has outputs "
              + outputs
              + "; a teacher needs exactly"
              + " one output (the class scores)");
    }
    String out = outputs.get(0);
    INDArray probe =
        graph.output(Map.of(in, Nd4j.zeros(DataType.FLOAT, 1, shape[1])), out).get(out);
    if (probe.rank() != 2) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + ": its output '"
              + out
              + "' has shape "
              + Arrays.toString(probe.shape())
              + "; expected [n, classes]");
    }
    String producer =
        graph.getVariableOutputOp(out) == null ? "" : graph.getVariableOutputOp(out).opName();
    long parameters = 0;
    for (SDVariable v : graph.variables()) {
      if ((v.getVariableType() == VariableType.CONSTANT
              || v.getVariableType() == VariableType.VARIABLE)
          && v.getArr() != null) {
        parameters += v.getArr().length();
      }
    }
    return new OnnxTeacher(
        graph,
        in,
        out,
        shape[1],
        probe.size(1),
        "softmax".equalsIgnoreCase(producer),
        parameters,
        Files.size(file));
  }

  /**
   * The teacher's outputs for {@code [n, inputSize]} features: logits, or log-probabilities of a
   * softmax output.
   */
  INDArray logits(INDArray features) {
    // SameDiff 1.0.0-M2.1 keeps per-thread inference sessions whose cached arrays go stale when the
    // batch size
    // changes (found here: a 1-row call after a 256-row call returned wrong logits); a fresh
    // session per batch.
    graph.getSessions().clear();
    INDArray out = graph.output(Map.of(input, features.castTo(DataType.FLOAT)), output).get(output);
    return softmax ? Transforms.log(Transforms.max(out, 1e-45f, true), false) : out;
  }

  /** A copy for another thread. */
  OnnxTeacher copy() {
    return new OnnxTeacher(
        graph.dup(), input, output, inputSize, classes, softmax, parameters, bytes);
  }

  long inputSize() {
    return inputSize;
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
