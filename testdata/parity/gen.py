#!/usr/bin/python3
"""Seeded random torchvision ResNets and their PyTorch logits, for parity tests.

Writes, per model, a PyTorch state dict (.pth, torch's zip format), an ONNX
export with BatchNorm nodes kept (.onnx), one with BatchNorm folded into the
convolutions (-folded.onnx, what a default export and the ONNX model zoo give),
a seeded input batch (.in.f32) and PyTorch's logits for it (.logits.f32).

The committed fixtures are reduced-width networks (same module names and
forward semantics as torchvision, fewer channels) so they stay small; --full DIR
writes full-width ResNet-18 and ResNet-50 for latency checks and benchmarks.

Run with Debian's torch: /usr/bin/python3 testdata/parity/gen.py
"""

import argparse
import collections
import copy
import hashlib
import os

import torch
import torch.nn as nn
from torchvision.models import resnet
from torch.onnx import TrainingMode

SEED = 20240611
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


def photo_batch(d, n, res):
    """The first n photos of d (sorted), as torchvision's ImageNet recipe
    makes them: shorter side to 256 (bilinear, antialiased), centre res×res,
    mean/std normalised. Real photos, so that an int8 model calibrated on
    photos is judged on the kind of input it is made for."""
    from PIL import Image
    import torchvision.transforms.functional as TF
    files = sorted(f for f in os.listdir(d) if f.lower().endswith((".jpg", ".jpeg", ".png")))[:n]
    if len(files) < n:
        raise SystemExit(f"{d}: {len(files)} photos, need {n}")
    out = []
    for f in files:
        img = Image.open(os.path.join(d, f)).convert("RGB")
        t = TF.to_tensor(TF.center_crop(TF.resize(img, 256, antialias=True), res))
        out.append(TF.normalize(t, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))
    return torch.stack(out)


def write(model, name, outdir, n, res, gen, folded=True, photos=None):
    x = torch.randn(n, 3, res, res, generator=gen) if photos is None else photo_batch(photos, n, res)
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
    d = (logits - logits32).abs().max().item()
    print(f"{name}: input {tuple(x.shape)}, logits range [{logits.min():.3f}, {logits.max():.3f}], "
          f"std {logits.std():.3f}, max |f64-f32| {d:.2e}")


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="output directory for the reduced-width fixtures")
    ap.add_argument("--full", metavar="DIR",
                    help="instead write full-width ResNet-18/50 (.pth, .onnx, -folded.onnx, 224x224 input, logits) to DIR")
    ap.add_argument("--photos", metavar="DIR",
                    help="with --full: the input batch is the first 16 photos of DIR (default: random normal values)")
    ap.add_argument("--w18", type=int, default=8, help="stem width of the reduced ResNet-18")
    ap.add_argument("--w50", type=int, default=4, help="stem width of the reduced ResNet-50")
    ap.add_argument("--res", type=int, default=112, help="input height and width of the reduced fixtures")
    ap.add_argument("--reader-out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "..", "..", "tools", "convert", "pth", "testdata"),
                    help="output directory for the .pth reader's small fixtures")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if not args.full:
        reader_fixtures(args.reader_out)

    if args.full:
        os.makedirs(args.full, exist_ok=True)
        specs = [(18, 64, "resnet18"), (50, 64, "resnet50")]
        outdir, res = args.full, 224
    else:
        specs = [(18, args.w18, f"resnet18-w{args.w18}"), (50, args.w50, f"resnet50-w{args.w50}")]
        outdir, res = args.out, args.res

    for i, (kind, width, name) in enumerate(specs):
        gen = torch.Generator().manual_seed(SEED + i)
        model = build(kind, width, SEED + i)
        randomise(model, gen, min(res, 112))
        if args.full and args.photos:
            write(model, name, outdir, 16, res, gen, photos=args.photos)
        else:
            write(model, name, outdir, 2, res, gen)

    for f in sorted(os.listdir(outdir)):
        p = os.path.join(outdir, f)
        if f.startswith("resnet") and os.path.isfile(p):
            h = hashlib.sha256(open(p, "rb").read()).hexdigest()
            print(f"{os.path.getsize(p):>10}  {h[:16]}  {f}")


if __name__ == "__main__":
    main()
