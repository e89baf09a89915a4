#!/usr/bin/env python3
"""Writes the ONNX teacher fixtures of OnnxTeacherTest: a 784-32-10 MLP (Gemm, Relu, Gemm: logits) with
weights drawn from a fixed seed, and the same weights as raw little-endian float32 (w1 784x32, b1 32, w2 32x10, b2 10,
row-major, in that order) so that the test can build the same network in DL4J.

Needs Debian's python3-onnx and python3-numpy:  /usr/bin/python3 make_mlp_onnx.py OUT_DIR
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1] if len(sys.argv) > 1 else "."
rng = np.random.default_rng(20151)
w1 = (rng.standard_normal((784, 32)) * 0.05).astype(np.float32)
b1 = (rng.standard_normal(32) * 0.1).astype(np.float32)
w2 = (rng.standard_normal((32, 10)) * 0.3).astype(np.float32)
b2 = (rng.standard_normal(10) * 0.1).astype(np.float32)

nodes = [
    helper.make_node("Gemm", ["input", "w1", "b1"], ["h1"], name="dense1", alpha=1.0, beta=1.0, transA=0, transB=0),
    helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
    helper.make_node("Gemm", ["a1", "w2", "b2"], ["logits"], name="dense2", alpha=1.0, beta=1.0, transA=0, transB=0),
]
graph = helper.make_graph(
    nodes, "mlp_teacher",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 784])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 10])],
    [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
     numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")])
model = helper.make_model(graph, producer_name="distill-fixture", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, out + "/mlp-784-32-10.onnx")
with open(out + "/mlp-784-32-10.weights", "wb") as f:
    for a in (w1, b1, w2, b2):
        f.write(a.astype("<f4").tobytes())

# An op the importer lacks, for the refusal test: a graph with a made-up op of a custom domain.
bad = helper.make_graph(
    [helper.make_node("NoSuchOp", ["input"], ["logits"], name="mystery", domain="io.distill.test")],
    "unknown_op",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 784])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 10])])
bad_model = helper.make_model(bad, producer_name="distill-fixture",
                              opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("io.distill.test", 1)])
bad_model.ir_version = 7
onnx.save(bad_model, out + "/unknown-op.onnx")

# Gemm attributes the importer misreads (see OnnxGemmRewrite): a first Gemm relying on the ONNX defaults (alpha =
# beta = 1, no transposes), a second with transB = 1, alpha = 0.5, beta = 2. Beside it the logits numpy computes for
# the input x[i] = (i % 7) / 7 and for 0.5 x, as raw little-endian float32 (2 x 10, row-major).
g1 = (rng.standard_normal((784, 16)) * 0.05).astype(np.float32)
c1 = (rng.standard_normal(16) * 0.1).astype(np.float32)
g2 = (rng.standard_normal((10, 16)) * 0.3).astype(np.float32)
c2 = (rng.standard_normal(10) * 0.1).astype(np.float32)
attrs = helper.make_graph(
    [helper.make_node("Gemm", ["input", "g1", "c1"], ["h"], name="dense"),
     helper.make_node("Relu", ["h"], ["a"], name="relu"),
     helper.make_node("Gemm", ["a", "g2", "c2"], ["logits"], name="out", transB=1, alpha=0.5, beta=2.0)],
    "gemm_attributes",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 784])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 10])],
    [numpy_helper.from_array(g1, "g1"), numpy_helper.from_array(c1, "c1"),
     numpy_helper.from_array(g2, "g2"), numpy_helper.from_array(c2, "c2")])
attrs_model = helper.make_model(attrs, producer_name="distill-fixture", opset_imports=[helper.make_opsetid("", 13)])
attrs_model.ir_version = 7
onnx.checker.check_model(attrs_model)
onnx.save(attrs_model, out + "/gemm-attributes.onnx")
x = ((np.arange(784) % 7) / 7.0).astype(np.float32)
xs = np.stack([x, 0.5 * x])
expected = 0.5 * (np.maximum(xs @ g1 + c1, 0) @ g2.T) + 2.0 * c2
with open(out + "/gemm-attributes.logits", "wb") as f:
    f.write(expected.astype("<f4").tobytes())
