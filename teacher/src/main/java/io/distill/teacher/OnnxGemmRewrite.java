package io.distill.teacher;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;

/**
 * Rewrites every ONNX {@code Gemm} node {@code alpha·(A' × B') + beta·C} as a bias-free Gemm with
 * every attribute explicit followed by {@code Add} (and {@code Mul} when beta ≠ 1), before nd4j's
 * importer sees the model.
 *
 * <p>Why, found on this stack: samediff-import-onnx 1.0.0-M2.1 maps Gemm to a SameDiff {@code Mmul}
 * that drops the third input (the bias of every fully connected layer a framework exports) and
 * takes a missing {@code alpha} as 0; a 784-32-10 MLP imported as is gave logits off by exactly its
 * bias terms (OnnxTeacherTest). Its ONNX {@code MatMul} mapping is no way out: it computed zeros
 * there. A two-input Gemm with explicit attributes computes the product right. Attribute defaults
 * follow the ONNX spec (alpha = beta = 1, no transposes).
 *
 * <p>Cost: one pass over the nodes; initializers are untouched (no weight is copied).
 */
final class OnnxGemmRewrite {
  private OnnxGemmRewrite() {}

  /** The model with each Gemm replaced; the model itself when it has none. */
  static ModelProto rewrite(ModelProto model) {
    GraphProto graph = model.getGraph();
    if (graph.getNodeList().stream().noneMatch(n -> n.getOpType().equals("Gemm"))) {
      return model;
    }
    GraphProto.Builder out = graph.toBuilder().clearNode();
    int serial = 0;
    for (NodeProto node : graph.getNodeList()) {
      if (!node.getOpType().equals("Gemm")) {
        out.addNode(node);
        continue;
      }
      String prefix =
          (node.getName().isEmpty() ? "gemm" + serial : node.getName()) + "/distill_gemm_";
      serial++;
      List<NodeProto> nodes = new ArrayList<>();
      boolean hasBias = node.getInputCount() > 2 && !node.getInput(2).isEmpty();
      String result = node.getOutput(0);
      String product = hasBias ? prefix + "product" : result;
      // The product stays a Gemm (whose matrix product the importer reads right) with every
      // attribute explicit.
      nodes.add(
          NodeProto.newBuilder()
              .setOpType("Gemm")
              .setName(prefix + "gemm")
              .addInput(node.getInput(0))
              .addInput(node.getInput(1))
              .addOutput(product)
              .addAttribute(floatAttribute("alpha", floatAttribute(node, "alpha", 1f)))
              .addAttribute(floatAttribute("beta", 1f))
              .addAttribute(intAttribute("transA", intAttribute(node, "transA", 0)))
              .addAttribute(intAttribute("transB", intAttribute(node, "transB", 0)))
              .build());
      if (hasBias) {
        String bias = node.getInput(2);
        float beta = floatAttribute(node, "beta", 1f);
        if (beta != 1f) {
          out.addInitializer(scalar(prefix + "beta", beta));
          bias = add(nodes, prefix, "Mul", prefix + "bias", bias, prefix + "beta");
        }
        add(nodes, prefix, "Add", result, product, bias);
      }
      out.addAllNode(nodes);
    }
    return model.toBuilder().setGraph(out).build();
  }

  private static String add(
      List<NodeProto> nodes, String prefix, String op, String output, String... inputs) {
    // An op named like a variable clashes in SameDiff's one namespace: ops get their own names.
    nodes.add(
        NodeProto.newBuilder()
            .setOpType(op)
            .setName(prefix + op.toLowerCase(Locale.ROOT) + nodes.size())
            .addAllInput(List.of(inputs))
            .addOutput(output)
            .build());
    return output;
  }

  private static TensorProto scalar(String name, float value) {
    return TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.FLOAT.getNumber())
        .addDims(1)
        .addFloatData(value)
        .build();
  }

  private static AttributeProto floatAttribute(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  private static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  private static long intAttribute(NodeProto node, String name, long fallback) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getI();
      }
    }
    return fallback;
  }

  private static float floatAttribute(NodeProto node, String name, float fallback) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getF();
      }
    }
    return fallback;
  }
}
