#!/usr/bin/env python3
"""Writes ONNX teachers shaped like the ones users export (the test build runs this; nothing it writes is committed),
each with the logits numpy computes for the same inputs, independently of any ONNX runtime:

  mlp.onnx          [n, 784]        Gemm, Relu, Gemm (transB = 1, as torch.nn.Linear exports)
  cnn.onnx          [n, 1, 28, 28]  Conv, BatchNormalization, Relu, MaxPool (twice), Flatten, Gemm, Relu, Gemm;
                                    trained-style input: it expects (x - 0.1307) / 0.3081
  cnn-nhwc.onnx     [n, 28, 28, 1]  the same network behind a Transpose, as TensorFlow exports images
  residual.onnx     [n, 1, h, w]    Conv, Relu, Conv, Add (a skip connection), Relu, GlobalAveragePool, Flatten,
                                    Gemm; h and w left open, as a size-agnostic export leaves them
  softmax.onnx      [n, 784]        Gemm, Relu, Gemm, Softmax: probabilities, not logits
  two-inputs.onnx, flat-output.onnx  graphs a teacher cannot be (two inputs; an output of one score per row)

and inputs.f32 (5 x 784 pixels in [0, 1], row-major little-endian float32) with NAME.logits.f32 beside each model
(5 x 10: the logits, or for softmax.onnx the probabilities).

Needs Debian's python3-onnx and python3-numpy:  /usr/bin/python3 make_user_models.py OUT_DIR
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1] if len(sys.argv) > 1 else "."
rng = np.random.default_rng(20240)
N = 5
x = rng.uniform(0.0, 1.0, (N, 784)).astype(np.float32)
x[:, :100] = 0.0  # a blank margin, as images have
MEAN, STD = 0.1307, 0.3081


def w(*shape, scale):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def gemm_t(a, weight, bias):  # torch.nn.Linear: a @ W^T + b
    return a @ weight.astype(np.float64).T + bias


def conv(a, weight, bias):  # 'same' 3x3 convolution, stride 1, pad 1
    n, c, h, wd = a.shape
    k = weight.shape[2]
    p = k // 2
    padded = np.pad(a, ((0, 0), (0, 0), (p, p), (p, p)))
    result = np.zeros((n, weight.shape[0], h, wd))
    for i in range(k):
        for j in range(k):
            result += np.einsum("nchw,oc->nohw", padded[:, :, i:i + h, j:j + wd], weight[:, :, i, j].astype(np.float64))
    return result + bias[None, :, None, None]


def batch_norm(a, scale, shift, mean, var, eps=1e-5):
    s = lambda v: v.astype(np.float64)[None, :, None, None]
    return s(scale) * (a - s(mean)) / np.sqrt(s(var) + eps) + s(shift)


def max_pool(a):
    n, c, h, wd = a.shape
    return a.reshape(n, c, h // 2, 2, wd // 2, 2).max(axis=(3, 5))


relu = lambda a: np.maximum(a, 0)


def save(name, nodes, inputs, initializers, expected, outputs=("logits",)):
    graph = helper.make_graph(
        nodes, name, inputs,
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, ["n", 10]) for o in outputs],
        [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    model = helper.make_model(graph, producer_name="distill-fixture", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, f"{out}/{name}.onnx")
    with open(f"{out}/{name}.logits.f32", "wb") as f:
        f.write(expected.astype("<f4").tobytes())


def gemm(a, weight, bias, result):
    return helper.make_node("Gemm", [a, weight, bias], [result], transB=1)


flat = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n", 784])

# An MLP.
p = {"w1": w(64, 784, scale=0.05), "b1": w(64, scale=0.1), "w2": w(10, 64, scale=0.3), "b2": w(10, scale=0.1)}
save("mlp",
     [gemm("image", "w1", "b1", "h"), helper.make_node("Relu", ["h"], ["a"]), gemm("a", "w2", "b2", "logits")],
     [flat("image")], p,
     gemm_t(relu(gemm_t(x.astype(np.float64), p["w1"], p["b1"])), p["w2"], p["b2"]))

# The same MLP's weights with a Softmax at the end.
save("softmax",
     [gemm("image", "w1", "b1", "h"), helper.make_node("Relu", ["h"], ["a"]), gemm("a", "w2", "b2", "z"),
      helper.make_node("Softmax", ["z"], ["probabilities"], axis=1)],
     [flat("image")], p,
     (lambda z: np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))(
         gemm_t(relu(gemm_t(x.astype(np.float64), p["w1"], p["b1"])), p["w2"], p["b2"])),
     outputs=("probabilities",))

# A CNN as torch exports it (NCHW), expecting normalised pixels.
c = {
    "k1": w(8, 1, 3, 3, scale=0.4), "c1": w(8, scale=0.1),
    "g1": (1 + w(8, scale=0.1)), "s1": w(8, scale=0.1), "m1": w(8, scale=0.2), "v1": (0.5 + rng.uniform(0, 1, 8)).astype(np.float32),
    "k2": w(16, 8, 3, 3, scale=0.15), "c2": w(16, scale=0.1),
    "g2": (1 + w(16, scale=0.1)), "s2": w(16, scale=0.1), "m2": w(16, scale=0.2), "v2": (0.5 + rng.uniform(0, 1, 16)).astype(np.float32),
    "f1": w(32, 16 * 7 * 7, scale=0.03), "d1": w(32, scale=0.1), "f2": w(10, 32, scale=0.3), "d2": w(10, scale=0.1),
}


def cnn_nodes(image):
    return [
        helper.make_node("Conv", [image, "k1", "c1"], ["y1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["y1", "g1", "s1", "m1", "v1"], ["n1"], epsilon=1e-5),
        helper.make_node("Relu", ["n1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "k2", "c2"], ["y2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["y2", "g2", "s2", "m2", "v2"], ["n2"], epsilon=1e-5),
        helper.make_node("Relu", ["n2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["f"], axis=1),
        gemm("f", "f1", "d1", "h"), helper.make_node("Relu", ["h"], ["a"]), gemm("a", "f2", "d2", "logits"),
    ]


images = ((x.astype(np.float64) - MEAN) / STD).reshape(N, 1, 28, 28)
h = max_pool(relu(batch_norm(conv(images, c["k1"], c["c1"]), c["g1"], c["s1"], c["m1"], c["v1"])))
h = max_pool(relu(batch_norm(conv(h, c["k2"], c["c2"]), c["g2"], c["s2"], c["m2"], c["v2"])))
cnn_logits = gemm_t(relu(gemm_t(h.reshape(N, -1), c["f1"], c["d1"])), c["f2"], c["d2"])
save("cnn", cnn_nodes("image"),
     [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 1, 28, 28])], c, cnn_logits)
save("cnn-nhwc", [helper.make_node("Transpose", ["image"], ["nchw"], perm=[0, 3, 1, 2])] + cnn_nodes("nchw"),
     [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 28, 28, 1])], c, cnn_logits)

# A residual block with global average pooling; the image's height and width left open.
r = {"k1": w(8, 1, 3, 3, scale=0.4), "c1": w(8, scale=0.1), "k2": w(8, 8, 3, 3, scale=0.15), "c2": w(8, scale=0.1),
     "f": w(10, 8, scale=0.5), "d": w(10, scale=0.1)}
a1 = relu(conv(x.astype(np.float64).reshape(N, 1, 28, 28), r["k1"], r["c1"]))
a2 = relu(conv(a1, r["k2"], r["c2"]) + a1)
save("residual",
     [helper.make_node("Conv", ["image", "k1", "c1"], ["y1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
      helper.make_node("Relu", ["y1"], ["a1"]),
      helper.make_node("Conv", ["a1", "k2", "c2"], ["y2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
      helper.make_node("Add", ["y2", "a1"], ["s"]),
      helper.make_node("Relu", ["s"], ["a2"]),
      helper.make_node("GlobalAveragePool", ["a2"], ["g"]),
      helper.make_node("Flatten", ["g"], ["f0"], axis=1),
      gemm("f0", "f", "d", "logits")],
     [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 1, "h", "w"])], r,
     gemm_t(a2.mean(axis=(2, 3)), r["f"], r["d"]))

# Two refusals: a graph with two inputs, and one whose output is [n] (a score per row, not per class).
two = helper.make_graph(
    [helper.make_node("Add", ["a", "b"], ["logits"])], "two_inputs",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n", 10]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, ["n", 10])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 10])])
two_model = helper.make_model(two, producer_name="distill-fixture", opset_imports=[helper.make_opsetid("", 13)])
two_model.ir_version = 7
onnx.checker.check_model(two_model)
onnx.save(two_model, f"{out}/two-inputs.onnx")
flat = helper.make_graph(
    [gemm("image", "w1", "b1", "h"), helper.make_node("ReduceMax", ["h"], ["score"], keepdims=0, axes=[1])],
    "flat_output", [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 784])],
    [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["n"])],
    [numpy_helper.from_array(p["w1"], "w1"), numpy_helper.from_array(p["b1"], "b1")])
flat_model = helper.make_model(flat, producer_name="distill-fixture", opset_imports=[helper.make_opsetid("", 13)])
flat_model.ir_version = 7
onnx.checker.check_model(flat_model)
onnx.save(flat_model, f"{out}/flat-output.onnx")

with open(f"{out}/inputs.f32", "wb") as f:
    f.write(x.astype("<f4").tobytes())
