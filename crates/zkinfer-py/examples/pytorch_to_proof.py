#!/usr/bin/env python3
"""From PyTorch to a verified proof, in Python.

Trains a small MLP on a synthetic three-class problem, exports it to ONNX, and takes it through
zkinfer: calibrate on training samples, compile, setup, prove one inference, verify the proof, and
compare the proven output with PyTorch's. Needs ``torch`` (and ``onnx`` for the exporter)::

    pip install torch onnx ./crates/zkinfer-py
    python crates/zkinfer-py/examples/pytorch_to_proof.py [--out DIR]

Without torch it says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import zkinfer


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", help="directory for model.onnx, settings.json, keys and proof")
    a = p.parse_args()
    try:
        import torch
        from torch import nn
    except ImportError:
        print("this example needs PyTorch, which is not installed: pip install torch onnx")
        return 0

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    # Three Gaussian blobs in 16 dimensions.
    centers = rng.normal(0.0, 2.0, size=(3, 16)).astype(np.float32)
    labels = rng.integers(0, 3, size=600)
    data = centers[labels] + rng.normal(0.0, 1.0, size=(600, 16)).astype(np.float32)
    x_train, y_train = torch.from_numpy(data), torch.from_numpy(labels)

    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x_train), y_train)
        loss.backward()
        opt.step()
    model.eval()
    accuracy = (model(x_train).argmax(1) == y_train).float().mean().item()
    print(f"trained: loss {loss.item():.3f}, training accuracy {100 * accuracy:.1f}%")

    out = Path(a.out or tempfile.mkdtemp(prefix="zkinfer-torch-"))
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / "model.onnx"
    export = dict(input_names=["input"], output_names=["output"], opset_version=17)
    try:
        torch.onnx.export(model, (x_train[:1],), str(onnx_path), dynamo=False, **export)
    except TypeError:  # torch < 2.5 has no `dynamo` argument and exports with TorchScript
        torch.onnx.export(model, (x_train[:1],), str(onnx_path), **export)
    print(f"exported {onnx_path}")

    info = zkinfer.inspect(onnx_path)
    print(f"{len(info['nodes'])} nodes, ops {info['ops']}, input {info['input_shape']}")
    report = zkinfer.calibrate(onnx_path, data[:64], out / "settings.json")
    print(
        f"calibrated on {report['samples']} samples: max abs error {report['output']['max_abs']:.2e}, "
        f"argmax agreement {100 * report['argmax_agreement']:.0f}%"
    )
    compiled = zkinfer.compile(onnx_path, out / "settings.json", out / "model.zkc")
    print(f"compiled: predicted prove time {compiled.cost['predicted_prove_s']:.2f} s")
    t = time.perf_counter()
    zkinfer.setup(compiled, out / "model.pk", out / "model.vk")
    print(f"setup in {time.perf_counter() - t:.2f} s")

    x = data[600 - 1]
    t = time.perf_counter()
    proven = zkinfer.prove(out / "model.pk", x, out / "proof.zkp", progress=True)
    print(f"proved in {time.perf_counter() - t:.2f} s → {out / 'proof.zkp'}")
    t = time.perf_counter()
    verified = zkinfer.verify(out / "model.vk", out / "proof.zkp", input=x)
    print(f"verified in {1e3 * (time.perf_counter() - t):.1f} ms: output {np.round(verified, 3)}")
    with torch.no_grad():
        expected = model(torch.from_numpy(x[None])).numpy()
    print(f"pytorch says {np.round(expected, 3)}; max difference {np.abs(verified - expected).max():.2e}")
    if verified.argmax() != expected.argmax():
        print("the proven class differs from PyTorch's: recalibrate with more samples")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
