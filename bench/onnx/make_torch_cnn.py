#!/usr/bin/env python3
"""The CNN of issue 24, as torch.onnx.export writes it (opset 13, input "image" [n, 1, 28, 28], batch left open):
Conv 3x3 32 + BatchNormalization + Relu + MaxPool, Conv 3x3 64 + BatchNormalization + Relu + MaxPool, Flatten,
Gemm 256 + Relu, Gemm 10. Weights are random (a fixed seed): bench/onnx-teacher measures speed, not accuracy.

Needs Debian's python3-onnx and python3-numpy:  /usr/bin/python3 make_torch_cnn.py OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(24)


def w(*shape, scale=0.1):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


p = {"k1": w(32, 1, 3, 3), "c1": w(32), "g1": 1 + w(32), "s1": w(32), "m1": w(32), "v1": 1 + abs(w(32)),
     "k2": w(64, 32, 3, 3), "c2": w(64), "g2": 1 + w(64), "s2": w(64), "m2": w(64), "v2": 1 + abs(w(64)),
     "f1": w(256, 64 * 7 * 7, scale=0.01), "d1": w(256), "f2": w(10, 256), "d2": w(10)}
nodes = [
    helper.make_node("Conv", ["image", "k1", "c1"], ["y1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["y1", "g1", "s1", "m1", "v1"], ["n1"]),
    helper.make_node("Relu", ["n1"], ["r1"]),
    helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["p1", "k2", "c2"], ["y2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["y2", "g2", "s2", "m2", "v2"], ["n2"]),
    helper.make_node("Relu", ["n2"], ["r2"]),
    helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["p2"], ["f"], axis=1),
    helper.make_node("Gemm", ["f", "f1", "d1"], ["h"], transB=1),
    helper.make_node("Relu", ["h"], ["a"]),
    helper.make_node("Gemm", ["a", "f2", "d2"], ["logits"], transB=1),
]
graph = helper.make_graph(nodes, "torch_cnn",
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 1, 28, 28])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 10])],
                          [numpy_helper.from_array(v, k) for k, v in p.items()])
model = helper.make_model(graph, producer_name="distill-bench", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
