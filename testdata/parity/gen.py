#!/usr/bin/python3
"""Seeded random torchvision ResNets and their PyTorch logits, for parity tests.

Writes, per model, a PyTorch state dict (.pth, torch's zip format), an ONNX
export with BatchNorm nodes kept (.onnx), one with BatchNorm folded into the
convolutions (-folded.onnx, what a default export and the ONNX model zoo give),
a seeded input batch (.in.f32), PyTorch's logits for it (.logits.f32) and
class activation maps of each image's top-1 and lowest class (.cam.f32).

The committed fixtures are reduced-width networks (same module names and
forward semantics as torchvision, fewer channels) so they stay small; --full DIR
writes full-width ResNet-18 and ResNet-50 whose BatchNorm statistics are
calibrated on real photos, with PyTorch's logits for a 16-photo batch
(photos.py), for the int8-against-PyTorch test and for benchmarks.

Run with Debian's torch: /usr/bin/python3 testdata/parity/gen.py
"""

import argparse
import collections
import copy
import hashlib
import os

import numpy
import torch
import torch.nn as nn
from torchvision.models import resnet
from torch.onnx import TrainingMode

import photos

SEED = 20240611
FULL_SEED = 20261207  # --full: calibration crops; the networks use FULL_SEED + 1 (18) and + 2 (50)
OPSET = 13


class ReducedResNet(resnet.ResNet):
    """torchvision's ResNet with the stem/first-stage width as a parameter.

    torchvision hard-codes 64; everything else (module names, _make_layer,
    forward, v1.5 stride on the bottleneck 3x3) is inherited unchanged.
    """

    def __init__(self, block, layers, width, num_classes=1000):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = width
        self.dilation = 1
        self.groups = 1
        self.base_width = 64  # bottleneck inner width == planes, as in resnet50
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


def randomise(model, gen, res):
    """Give every BatchNorm non-trivial parameters and statistics.

    Gamma and beta are drawn at random; running statistics are first measured
    on random images (so activations stay well scaled through the depth) and
    then perturbed, so that they are neither 0/1 nor tied to one input.
    """
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data = torch.rand(m.num_features, generator=gen) + 0.5
            m.bias.data = torch.randn(m.num_features, generator=gen) * 0.2
            m.momentum = None  # cumulative average over the calibration passes
            m.reset_running_stats()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, res, res, generator=gen))
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            std = m.running_var.sqrt()
            m.running_mean += torch.randn(m.num_features, generator=gen) * 0.1 * std
            m.running_var *= torch.rand(m.num_features, generator=gen) * 0.6 + 0.7
            m.momentum = 0.1
    # Spread the logits over a few units so that a wrong class order shows.
    fc = model.fc
    fc.weight.data = torch.randn(fc.weight.shape, generator=gen) * (3.0 / fc.in_features ** 0.5)
    fc.bias.data = torch.randn(fc.bias.shape, generator=gen) * 0.1
    model.eval()


def calibrate(model, gen, views):
    """Trained-looking BatchNorm for a full-size network, from real photos.

    A trained ResNet's BatchNorm holds the statistics of the activations that
    real images produce, and gamma/beta that differ per channel; with
    statistics from noise, or identity BatchNorm, activations drift in scale
    through the depth and the logits say little. So: gamma ~ U(0.5, 1.5),
    beta ~ N(0, 0.2^2) are drawn first; the running mean and variance are then
    set to the batch statistics of `views` (augmented crops of the photos, not
    the test batch) in train mode, layer by layer as the forward pass meets
    them, so every BatchNorm normalises what really reaches it; finally gamma
    and beta are perturbed (gamma x U(0.9, 1.1), beta + N(0, 0.05^2)) so that
    the statistics are not exactly the calibration batch's either.

    The classifier is torchvision-like (N(0, 1/features) weights) with its
    bias set to cancel the mean feature of the calibration views, then scaled
    so that the logits spread over a few units: ReLU features of a random
    network share a large common part, which would otherwise give every photo
    nearly the same logits (and the same top-1), and a cosine that measures
    that common part rather than what differs between photos.
    """
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data = torch.rand(m.num_features, generator=gen) + 0.5
            m.bias.data = torch.randn(m.num_features, generator=gen) * 0.2
            m.momentum = None  # cumulative average over the calibration batches
            m.reset_running_stats()
    model.train()
    with torch.no_grad():
        for batch in views.split(16):
            model(batch)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data *= torch.rand(m.num_features, generator=gen) * 0.2 + 0.9
            m.bias.data += torch.randn(m.num_features, generator=gen) * 0.05
            m.momentum = 0.1
    model.eval()
    fc = model.fc
    fc.weight.data = torch.randn(fc.weight.shape, generator=gen) / fc.in_features ** 0.5
    with torch.no_grad():
        feat = torch.cat([features(model, b) for b in views.split(16)])
        fc.bias.data = -(feat.mean(0) @ fc.weight.data.t())
        spread = model.fc(feat).std().item()
        fc.weight.data *= 4.0 / spread
        fc.bias.data *= 4.0 / spread
        fc.bias.data += torch.randn(fc.bias.shape, generator=gen) * 0.1


def features(model, x):
    """The pooled last-stage features the classifier reads."""
    m = model
    f = m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(x))))))))
    return torch.flatten(m.avgpool(f), 1)


def health(model, x, logits):
    """Print what shows the network is neither dead nor saturated: the scale
    of each stage's output, and how the logits differ between photos."""
    m = model
    with torch.no_grad():
        h = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        scales = [f"stem {h.std():.2f}"]
        for i, layer in enumerate([m.layer1, m.layer2, m.layer3, m.layer4]):
            h = layer(h)
            scales.append(f"layer{i + 1} {h.std():.2f} ({(h > 0).float().mean() * 100:.0f}% > 0)")
    top2 = logits.topk(2, dim=1)
    margin = (top2.values[:, 0] - top2.values[:, 1]) / logits.std(dim=1)
    u = torch.nn.functional.normalize(logits.double(), dim=1)
    cross = (u @ u.t())[~torch.eye(len(u), dtype=torch.bool)]
    print("  activation std: " + ", ".join(scales))
    print(f"  top-1 classes: {top2.indices[:, 0].tolist()} ({len(set(top2.indices[:, 0].tolist()))} distinct)")
    print(f"  top-1 margin over top-2, in logit std: min {margin.min():.3f}, median {margin.median():.3f}")
    print(f"  cosine between different photos' logits: mean {cross.mean():.3f}, max {cross.max():.3f}")


def export_onnx(model, x, path, folded):
    kwargs = dict(
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
        opset_version=OPSET,
    )
    if folded:
        # The default eval-mode export: BatchNorm fused into Conv weights.
        torch.onnx.export(model, x, path, do_constant_folding=True, **kwargs)
    else:
        # PRESERVE skips the eval peephole that fuses Conv+BN.
        torch.onnx.export(model, x, path, do_constant_folding=False,
                          training=TrainingMode.PRESERVE, **kwargs)


def write(model, name, outdir, x, folded=True, cam=True):
    with torch.no_grad():
        # Float64 reference: the f32 weights widened exactly, summed in f64.
        logits = copy.deepcopy(model).double()(x.double()).float()
        logits32 = model(x)
    torch.save(model.state_dict(), os.path.join(outdir, name + ".pth"))
    export_onnx(model, x, os.path.join(outdir, name + ".onnx"), folded=False)
    if folded:
        export_onnx(model, x, os.path.join(outdir, name + "-folded.onnx"), folded=True)
    x.numpy().astype("<f4").tofile(os.path.join(outdir, name + ".in.f32"))
    logits.numpy().astype("<f4").tofile(os.path.join(outdir, name + ".logits.f32"))
    if cam:
        cams(model, x, logits).numpy().astype("<f4").tofile(os.path.join(outdir, name + ".cam.f32"))
    d = (logits - logits32).abs().max().item()
    print(f"{name}: input {tuple(x.shape)}, logits range [{logits.min():.3f}, {logits.max():.3f}], "
          f"std {logits.std():.3f}, max |f64-f32| {d:.2e}")
    return logits


def cams(model, x, logits):
    """Class activation maps, N x 2 x h x w: per image, of its top-1 class and
    of its lowest-scoring class, CAM_k(y, x) = sum_c fc.weight[k, c] *
    layer4(...)[c, y, x], in float64 like the logits."""
    m = copy.deepcopy(model).double()
    with torch.no_grad():
        f = m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(x.double()))))))))
        out = []
        for i in range(x.shape[0]):
            ks = [int(logits[i].argmax()), int(logits[i].argmin())]
            out.append(torch.einsum("kc,chw->khw", m.fc.weight[ks], f[i]))
    return torch.stack(out).float()


def build(kind, width, seed):
    torch.manual_seed(seed)
    block, layers = {
        18: (resnet.BasicBlock, [2, 2, 2, 2]),
        50: (resnet.Bottleneck, [3, 4, 6, 3]),
    }[kind]
    if width == 64:
        model = resnet.resnet18() if kind == 18 else resnet.resnet50()
    else:
        model = ReducedResNet(block, layers, width)
    return model


def reader_fixtures(outdir):
    """Tiny torch.save files for the .pth reader's own tests: tensor dtypes
    and views, checkpoint wrappers, the legacy format, a pickled module."""
    os.makedirs(outdir, exist_ok=True)
    base = torch.arange(2 * 3 * 7 * 7, dtype=torch.float32).reshape(2, 3, 7, 7) / 8
    views = collections.OrderedDict([
        ("f32", base[:, :, :2, :2]),                      # a strided view into a bigger storage
        ("f16", torch.tensor([1.5, -2.25, 65504.0, 2.0 ** -24], dtype=torch.float16)),
        ("bf16", torch.tensor([1.5, -3.0], dtype=torch.bfloat16)),
        ("f64", torch.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=torch.float64).t()),  # transposed
        ("i64", torch.tensor([7])),
    ])
    torch.save(views, os.path.join(outdir, "views.pth"))
    sd = collections.OrderedDict([("module.conv1.weight", base), ("module.bn1.num_batches_tracked", torch.tensor(5))])
    torch.save({"epoch": 3, "arch": "resnet18", "state_dict": sd}, os.path.join(outdir, "wrapped.pth"))
    torch.save(sd, os.path.join(outdir, "legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(nn.Conv2d(3, 2, 1), os.path.join(outdir, "module.pth"))


def cams_only(args):
    """The CAM fixtures for the committed networks. Another torch build may
    not reproduce the committed weights bit for bit (the BatchNorm statistics
    come from multithreaded train-mode passes), so the maps are computed from
    the files themselves; the logits are recomputed as a check."""
    for i, (kind, width) in enumerate([(18, args.w18), (50, args.w50)]):
        name = f"resnet{kind}-w{width}"
        p = lambda ext: os.path.join(args.out, name + ext)
        model = build(kind, width, SEED + i)
        model.load_state_dict(torch.load(p(".pth")))
        model.eval()
        x = torch.from_numpy(numpy.fromfile(p(".in.f32"), dtype="<f4").reshape(-1, 3, args.res, args.res))
        want = torch.from_numpy(numpy.fromfile(p(".logits.f32"), dtype="<f4").reshape(x.shape[0], -1))
        with torch.no_grad():
            logits = copy.deepcopy(model).double()(x.double()).float()
        d = (logits - want).abs().max().item()
        assert d < 1e-5, f"{name}: recomputed logits differ from the committed ones by {d:.2e}"
        c = cams(model, x, want)
        c.numpy().astype("<f4").tofile(p(".cam.f32"))
        print(f"{name}: CAMs {tuple(c.shape)}, range [{c.min():.3f}, {c.max():.3f}], logits check {d:.1e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="output directory for the reduced-width fixtures")
    ap.add_argument("--full", metavar="DIR",
                    help="instead write full-width ResNet-18/50 calibrated on real photos "
                         "(.pth, .onnx, -folded.onnx, a 16-photo 224x224 input, logits) to DIR")
    ap.add_argument("--w18", type=int, default=8, help="stem width of the reduced ResNet-18")
    ap.add_argument("--w50", type=int, default=4, help="stem width of the reduced ResNet-50")
    ap.add_argument("--res", type=int, default=112, help="input height and width of the reduced fixtures")
    ap.add_argument("--reader-out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "..", "..", "tools", "convert", "pth", "testdata"),
                    help="output directory for the .pth reader's small fixtures")
    ap.add_argument("--cams-only", action="store_true",
                    help="only (re)write the .cam.f32 files, from the committed .pth, .in.f32 and .logits.f32")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if args.cams_only:
        return cams_only(args)
    if not args.full:
        reader_fixtures(args.reader_out)

    if args.full:
        os.makedirs(args.full, exist_ok=True)
        outdir = args.full
        batch, views = photos.batch(), photos.calibration_views(FULL_SEED)
        for i, (kind, name) in enumerate([(18, "resnet18"), (50, "resnet50")]):
            gen = torch.Generator().manual_seed(FULL_SEED + 1 + i)
            model = build(kind, 64, FULL_SEED + 1 + i)
            calibrate(model, gen, views)
            logits = write(model, name, outdir, batch, cam=False)
            health(model, batch, logits)
        with open(os.path.join(outdir, "photos.txt"), "w") as f:
            f.write("\n".join(photos.names()) + "\n")
    else:
        outdir = args.out
        specs = [(18, args.w18, f"resnet18-w{args.w18}"), (50, args.w50, f"resnet50-w{args.w50}")]
        for i, (kind, width, name) in enumerate(specs):
            gen = torch.Generator().manual_seed(SEED + i)
            model = build(kind, width, SEED + i)
            randomise(model, gen, min(args.res, 112))
            write(model, name, outdir, torch.randn(2, 3, args.res, args.res, generator=gen))

    for f in sorted(os.listdir(outdir)):
        p = os.path.join(outdir, f)
        if f.startswith("resnet") and os.path.isfile(p):
            h = hashlib.sha256(open(p, "rb").read()).hexdigest()
            print(f"{os.path.getsize(p):>10}  {h[:16]}  {f}")


if __name__ == "__main__":
    main()
