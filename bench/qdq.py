#!/usr/bin/python3
"""Static int8 QDQ ONNX from a float32 torchvision ResNet export, for ONNX
Runtime (the peer in `make bench`). No onnxruntime Python package is needed:
the graph is evaluated with torch ops for calibration.

    qdq.py FOLDED.onnx OUT.onnx [PHOTO...]   quantize (calibrating on the photos)
    qdq.py --ops MODEL.onnx                  print the op-type counts of a model as JSON

The format is the one ORT's own quantize_static(QuantFormat.QDQ) writes and
its graph optimiser fuses into QLinearConv / QLinearAdd / uint8 MaxPool /
QLinearGlobalAveragePool (check with --ops on the optimised model):

- Conv weights: per-output-channel symmetric int8 (scale = max|w|/127, zero
  point 0), DequantizeLinear(axis=0) on the initializer; bias int32 with
  scale s_input·s_weight[c], as the QDQ Conv selector requires.
- Activations: per-tensor uint8, min/max calibrated over a few forward
  passes. A ReLU is removed and its input quantised with zero point 0 —
  uint8 saturation at 0 is the ReLU (what ORT's quantiser does too).
- The fully connected layer: int8 per-output-channel weights as well, float
  logits out (QGemm).
"""

import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def evaluate(graph, inits, x, fake_quant=False):
    """Runs the graph on x (N×3×H×W) with torch ops; returns every tensor."""
    env = {k: torch.from_numpy(np.array(v)) for k, v in inits.items()}
    env[graph.input[0].name] = x
    for n in graph.node:
        a = attrs(n)
        i = [env[t] if t else None for t in n.input]
        op = n.op_type
        if op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            if pads[:2] != pads[2:]:
                raise ValueError(f"{n.name}: asymmetric pads {pads}")
            y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=a.get("strides", [1, 1]),
                         padding=pads[:2], dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
        elif op == "Relu":
            y = torch.relu(i[0])
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "MaxPool":
            y = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides"), a.get("pads", [0, 0, 0, 0])[:2])
        elif op == "GlobalAveragePool":
            y = i[0].mean(dim=(2, 3), keepdim=True)
        elif op == "Flatten":
            y = i[0].flatten(a.get("axis", 1))
        elif op == "Gemm":
            w = i[1].t() if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (i[0] @ w) + a.get("beta", 1.0) * i[2]
        elif op == "QuantizeLinear" and fake_quant:
            s, z = i[1], i[2].to(torch.float32)
            lo, hi = (0, 255) if i[2].dtype == torch.uint8 else (-128, 127)
            y = torch.clamp(torch.round(i[0] / s) + z, lo, hi)
        elif op == "DequantizeLinear" and fake_quant:
            s, z = i[1].to(torch.float32), i[2].to(torch.float32)
            if s.dim() == 1 and s.numel() > 1:  # per-axis on axis 0
                shape = [-1] + [1] * (i[0].dim() - 1)
                s, z = s.reshape(shape), z.reshape(shape)
            y = (i[0].to(torch.float32) - z) * s
        else:
            raise ValueError(f"unsupported op {op} ({n.name})")
        env[n.output[0]] = y
    return env


def photo_batch(paths, size=224, resize=256):
    from PIL import Image
    xs = []
    for p in paths:
        im = Image.open(p).convert("RGB")
        w, h = im.size
        s = resize / min(w, h)
        im = im.resize((max(resize, round(w * s)), max(resize, round(h * s))), Image.BILINEAR)
        w, h = im.size
        l, t = (w - size) // 2, (h - size) // 2
        a = (np.asarray(im.crop((l, t, l + size, t + size)), dtype=np.float32) / 255 - MEAN) / STD
        xs.append(a.transpose(2, 0, 1))
    return torch.from_numpy(np.stack(xs))


def quantize(src, dst, photos):
    m = onnx.load(src)
    g = m.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    x = photo_batch(photos) if photos else torch.randn(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        env = evaluate(g, inits, x)
    lo = {k: float(v.min()) for k, v in env.items() if k not in inits}
    hi = {k: float(v.max()) for k, v in env.items() if k not in inits}

    consumers = {}
    for n in g.node:
        for t in n.input:
            consumers.setdefault(t, []).append(n)
    producer = {o: n for n in g.node for o in n.output}

    # Relu after Conv/Add (its only consumer) is folded into the quantisation.
    relu_of = {}  # pre-relu tensor -> relu output
    dropped = set()
    for n in g.node:
        if n.op_type == "Relu":
            t = n.input[0]
            p = producer.get(t)
            if p is not None and p.op_type in ("Conv", "Add") and len(consumers[t]) == 1:
                relu_of[t] = n.output[0]
                dropped.add(id(n))

    nodes, new_inits = [], []
    qparams = {}  # float tensor name -> (scale, zero point)

    def const(name, arr):
        new_inits.append(numpy_helper.from_array(arr, name))
        return name

    def qdq(t, out_name, rng=None, params=None):
        """Q then DQ of tensor t; returns the dequantised tensor's name."""
        if params is None:
            a, b = rng
            a, b = min(a, 0.0), max(b, 0.0)
            s = max(b - a, 1e-8) / 255
            z = int(np.clip(round(-a / s), 0, 255))
            params = (np.float32(s), np.uint8(z))
        s, z = params
        qparams[out_name] = params
        sn = const(out_name + "_scale", np.array(s, dtype=np.float32))
        zn = const(out_name + "_zp", np.array(z, dtype=np.uint8))
        nodes.append(helper.make_node("QuantizeLinear", [t, sn, zn], [out_name + "_q"], name=out_name + "_Q"))
        nodes.append(helper.make_node("DequantizeLinear", [out_name + "_q", sn, zn], [out_name + "_dq"], name=out_name + "_DQ"))
        return out_name + "_dq"

    def weight_and_bias(name, w, b, sx):
        """DQ nodes for per-output-channel int8 weights (axis 0) and the
        int32 bias at scale sx·sw[c]; returns the two dequantised names."""
        sw = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(axis=1), 1e-12) / 127
        wq = np.clip(np.round(w / sw.reshape((-1,) + (1,) * (w.ndim - 1))), -127, 127).astype(np.int8)
        sb = (sx * sw).astype(np.float32)
        bq = np.round(b / sb).astype(np.int32)
        wn, bn = name + "_w", name + "_b"
        nodes.append(helper.make_node("DequantizeLinear", [const(wn + "_q", wq), const(wn + "_s", sw.astype(np.float32)), const(wn + "_z", np.zeros(w.shape[0], np.int8))], [wn + "_dq"], name=wn + "_DQ", axis=0))
        nodes.append(helper.make_node("DequantizeLinear", [const(bn + "_q", bq), const(bn + "_s", sb), const(bn + "_z", np.zeros(w.shape[0], np.int32))], [bn + "_dq"], name=bn + "_DQ", axis=0))
        return [wn + "_dq", bn + "_dq"]

    rename = {}  # float tensor -> its dequantised replacement
    inp = g.input[0].name
    rename[inp] = qdq(inp, inp, (lo[inp], hi[inp]))

    for n in g.node:
        if id(n) in dropped:
            continue
        ins = [rename.get(t, t) for t in n.input]
        out = n.output[0]
        if n.op_type == "Conv":
            w = inits[n.input[1]].astype(np.float32)
            b = inits[n.input[2]].astype(np.float32) if len(n.input) > 2 else np.zeros(w.shape[0], np.float32)
            ins = [ins[0]] + weight_and_bias(n.input[1], w, b, qparams[n.input[0]][0])
        if n.op_type == "Gemm":
            # Per-output-channel int8 weights as for Conv (transB=1: axis 0
            # is the output); the output stays float (QGemm allows that).
            a = attrs(n)
            if a.get("transB", 0) != 1 or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
                raise ValueError(f"{n.name}: only Gemm with transB=1, alpha=beta=1 is quantised")
            w = inits[n.input[1]].astype(np.float32)
            b = inits[n.input[2]].astype(np.float32)
            ins = [ins[0]] + weight_and_bias(n.input[1], w, b, qparams[n.input[0]][0])
        nodes.append(helper.make_node(n.op_type, ins, [out], name=n.name, **attrs(n)))
        if n.op_type in ("Conv", "Add"):
            if out in relu_of:
                r = relu_of[out]
                dq = qdq(out, r, (0.0, hi[r]))
                qparams[out] = qparams[r]
                rename[r] = dq
            else:
                rename[out] = qdq(out, out, (lo[out], hi[out]))
        elif n.op_type in ("MaxPool", "Flatten"):
            rename[out] = qdq(out, out, params=qparams[n.input[0]])  # same params: ORT drops the pair
        elif n.op_type == "GlobalAveragePool":
            rename[out] = qdq(out, out, (lo[out], hi[out]))
        # The Gemm's output (the logits) stays float.

    used = {t for nd in nodes for t in nd.input}
    keep = [t for t in g.initializer if t.name in used]
    graph = helper.make_graph(nodes, g.name + "-qdq", list(g.input), list(g.output), keep + new_inits)
    model = helper.make_model(graph, opset_imports=list(m.opset_import), producer_name="resnet-bench-qdq")
    onnx.checker.check_model(model)
    onnx.save(model, dst)

    # Fidelity of the quantised graph against float32 on the calibration
    # batch (simulated in torch, the arithmetic ORT's int8 kernels do).
    with torch.no_grad():
        ref = env[g.output[0].name]
        qi = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        got = evaluate(graph, qi, x, fake_quant=True)[g.output[0].name]
    agree = float((ref.argmax(1) == got.argmax(1)).float().mean())
    rel = float((got - ref).norm() / ref.norm())
    print(f"qdq: {dst}: {sum(n.op_type == 'Conv' for n in nodes)} convs, calibrated on {x.shape[0]} images; "
          f"top-1 agreement with f32 {agree:.2f}, relative logit error {rel:.3f}")


def ops(path):
    m = onnx.load(path, load_external_data=False)
    counts = {}
    for n in m.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    print(json.dumps(counts, sort_keys=True))


def main(argv):
    if len(argv) == 2 and argv[0] == "--ops":
        ops(argv[1])
    elif len(argv) >= 2 and not argv[0].startswith("-"):
        torch.set_num_threads(2)
        quantize(argv[0], argv[1], argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
