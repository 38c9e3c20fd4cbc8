#!/usr/bin/env python3
"""Grouped/depthwise convolution models exported from PyTorch: a small fixture and MobileNet-v2.

    python scripts/make_mobilenet.py [--fixture-only] [--out DIR]

needs torch, onnx and onnxruntime (`pip install torch onnx onnxruntime`); nothing is downloaded:
every weight is a random draw from a fixed seed. Export: torch.onnx.export(..., opset_version=17,
dynamo=False) (the TorchScript exporter), batch 1, static shapes, eval mode, constant folding on
(batch-norm folds into the convolutions).

Writes
  crates/zkinfer-model/tests/fixtures/grouped_conv.{onnx,input.json,calib.json,expected.json}
      a 4 × 8 × 8 CNN, checked in (a few KiB): Conv(groups=2) → ReLU6 → depthwise Conv (stride 2)
      → ReLU6 → depthwise Conv with channel multiplier 2, stride 2, dilation 2 → Clip(-1, 1) →
      1×1 Conv → Flatten → Gemm (the first depthwise Conv lowers block-diagonally, the second
      per kernel tap: the fixture covers both);
  DIR/mobilenet_v2.{onnx,input.json,calib.json,expected.json} (DIR defaults to target/models)
      MobileNet-v2 (Sandler et al. 2018, torchvision's block layout), width multiplier 0.5,
      a CIFAR-size 3 × 32 × 32 input, first convolution at stride 1 (CIFAR variant), 10 classes.
      About 0.7 M parameters (2.8 MB of ONNX): not checked in; the benchmark reads it from DIR.

*.input.json is EZKL's {"input_data": [[flat floats]]}; *.calib.json holds 8 calibration samples in
the same format; *.expected.json is {"output_data": [[flat floats]], "shape": [...]}, onnxruntime's
float32 output on the input. Nothing is written for a model unless it exports, passes
onnx.checker and matches torch within 1e-4 in onnxruntime.
"""
import argparse
import io
import json
import os
import random
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "crates", "zkinfer-model", "tests", "fixtures")
OPSET = 17
TOL = 1e-4
torch.set_num_threads(1)


def seed_all(s):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


def flat(a):
    a = a.detach().cpu().numpy() if torch.is_tensor(a) else np.asarray(a)
    return a.astype(np.float32).astype(np.float64).ravel().tolist()


def randomize_bn(model):
    """Batch-norm statistics of a trained-looking network (defaults would fold to identities)."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.weight.data = torch.empty(n).uniform_(0.5, 1.5)
            m.bias.data = torch.empty(n).uniform_(-0.2, 0.2)
            m.running_mean = torch.empty(n).uniform_(-0.2, 0.2)
            m.running_var = torch.empty(n).uniform_(0.5, 2.0)


def export(model, shape, out_dir, name, seed):
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=gen) * 2 - 1
    calib = [torch.rand(shape, generator=gen) * 2 - 1 for _ in range(8)]
    buf = io.BytesIO()
    with torch.no_grad():
        want = model(x)
        torch.onnx.export(
            model, x, buf, opset_version=OPSET, dynamo=False, do_constant_folding=True,
            input_names=["input"], output_names=["output"],
        )
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data))
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input": x.numpy()})[0]
    diff = float(np.abs(got - want.numpy()).max())
    assert diff < TOL, f"{name}: onnxruntime differs from torch by {diff}"
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.join(out_dir, name)
    with open(base + ".onnx", "wb") as f:
        f.write(data)
    with open(base + ".input.json", "w") as f:
        json.dump({"input_data": [flat(x)]}, f)
    with open(base + ".calib.json", "w") as f:
        json.dump({"input_data": [sum((flat(c) for c in calib), [])]}, f)
    with open(base + ".expected.json", "w") as f:
        json.dump({"output_data": [flat(got)], "shape": list(got.shape)}, f)
    ops = sorted({n.op_type for n in onnx.load_from_string(data).graph.node})
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: {len(data)} bytes, {params} parameters, ops {ops}, argmax {int(got.argmax())}")


class GroupedConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.g2 = nn.Conv2d(4, 8, 3, padding=1, groups=2)
        self.dw = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.dwm = nn.Conv2d(8, 16, 3, stride=2, padding=2, dilation=2, groups=8)
        self.pw = nn.Conv2d(16, 6, 1)
        self.fc = nn.Linear(6 * 2 * 2, 5)

    def forward(self, x):
        x = torch.clamp(self.g2(x), 0.0, 6.0)  # ReLU6, exported as Clip(0, 6)
        x = nn.functional.relu6(self.dw(x))
        x = torch.clamp(self.dwm(x), -1.0, 1.0)
        x = self.pw(x)
        return self.fc(torch.flatten(x, 1))


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def conv_bn(inp, out, k, stride, groups=1, act=True):
    layers = [
        nn.Conv2d(inp, out, k, stride, (k - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out),
    ]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, inp, out, stride, expand):
        super().__init__()
        hidden = int(round(inp * expand))
        self.residual = stride == 1 and inp == out
        layers = []
        if expand != 1:
            layers.append(conv_bn(inp, hidden, 1, 1))
        layers += [
            conv_bn(hidden, hidden, 3, stride, groups=hidden),  # depthwise
            conv_bn(hidden, out, 1, 1, act=False),  # linear bottleneck
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision's MobileNet-v2 layout; `first_stride=1` for 32 × 32 inputs."""

    def __init__(self, width=0.5, classes=10, first_stride=1):
        super().__init__()
        settings = [  # t, c, n, s
            [1, 16, 1, 1],
            [6, 24, 2, 2],
            [6, 32, 3, 2],
            [6, 64, 4, 2],
            [6, 96, 3, 1],
            [6, 160, 3, 2],
            [6, 320, 1, 1],
        ]
        inp = make_divisible(32 * width)
        last = make_divisible(1280 * max(1.0, width))
        layers = [conv_bn(3, inp, 3, first_stride)]
        for t, c, n, s in settings:
            out = make_divisible(c * width)
            for i in range(n):
                layers.append(InvertedResidual(inp, out, s if i == 0 else 1, t))
                inp = out
        layers.append(conv_bn(inp, last, 1, 1))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(last, classes)

    def forward(self, x):
        x = self.pool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixture-only", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "models"))
    a = ap.parse_args()
    seed_all(15)
    export(GroupedConv(), (1, 4, 8, 8), FIXTURES, "grouped_conv", 15)
    if not a.fixture_only:
        seed_all(2)
        m = MobileNetV2()
        randomize_bn(m)
        export(m, (1, 3, 32, 32), a.out, "mobilenet_v2", 2)


if __name__ == "__main__":
    main()
