#!/usr/bin/env python3
"""Overhead of the Python bindings against the ``zkinfer`` command on the same model, in one run.

On the bundled digits CNN (or ``--model model.onnx``), made once through the Python API, this times
``prove`` and ``verify`` both ways, interleaved so that the machine's load hits both alike:

* in-process stage: the command's own ``"ms"`` for the stage (``--json``), against the wall time of
  ``ProvingKey.prove(x)`` / ``VerifyingKey.verify(proof)`` (numpy conversion and output included);
* whole verb: the command's process wall time (start, load key, read input, prove, write proof),
  against ``zkinfer.prove(pk_path, x, proof_path)`` / ``zkinfer.verify(vk_path, proof_path)``.

Medians over ``--runs`` runs; overhead = python / command − 1. Build both with the same profile:

    cargo build -p zkinfer-cli                      # target/debug/zkinfer
    (cd crates/zkinfer-py && maturin develop)       # the module, dev profile
    python crates/zkinfer-py/bench.py --cli target/debug/zkinfer
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

import numpy as np

import zkinfer


def cli_json(cli: str, *args: str) -> tuple[dict, float]:
    t = time.perf_counter()
    done = subprocess.run([cli, "--json", "--quiet", *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{cli} {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return json.loads(done.stdout), wall


def timed(f):
    t = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t


def main() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cli", default=str(root / "target" / "debug" / "zkinfer"))
    p.add_argument("--model", help="an ONNX model (default: the bundled digits CNN)")
    p.add_argument("--data", help="EZKL JSON samples for --model (the first row is proved)")
    p.add_argument("--runs", type=int, default=7)
    a = p.parse_args()
    if not os.access(a.cli, os.X_OK):
        raise SystemExit(f"{a.cli} not found: build it with `cargo build -p zkinfer-cli` or pass --cli")

    d = pathlib.Path(tempfile.mkdtemp(prefix="zkinfer-bench-"))
    if a.model:
        model, samples = a.model, a.data
        x = zkinfer._arrays.read_rows(samples)[0]
    else:
        model, xs, _ = zkinfer.digits_example(d)
        samples, x = xs[:32], xs[0]
    zkinfer.calibrate(model, samples, d / "settings.json")
    zkinfer.compile(model, d / "settings.json", d / "model.zkc")
    pk, vk = zkinfer.setup(d / "model.zkc", d / "model.pk", d / "model.vk")
    (d / "input.json").write_text(json.dumps({"input_data": [np.asarray(x, dtype=np.float32).ravel().tolist()]}))
    pk_p, vk_p, in_p = str(d / "model.pk"), str(d / "model.vk"), str(d / "input.json")
    cli_proof, py_proof = str(d / "cli.zkp"), str(d / "py.zkp")

    rows = {k: [] for k in ("prove_stage", "verify_stage", "prove_verb", "verify_verb")}
    pk.prove(x)  # warm caches and the thread pool once
    for _ in range(a.runs):
        c, c_wall = cli_json(a.cli, "prove", "--pk", pk_p, "--input", in_p, "-o", cli_proof)
        (proof, _), py_stage = timed(lambda: pk.prove(x))
        _, py_verb = timed(lambda: zkinfer.prove(pk_p, x, py_proof))
        rows["prove_stage"].append((c["ms"] / 1e3, py_stage))
        rows["prove_verb"].append((c_wall, py_verb))
        c, c_wall = cli_json(a.cli, "verify", "--vk", vk_p, "--proof", cli_proof)
        _, py_stage = timed(lambda: vk.verify(proof))
        _, py_verb = timed(lambda: zkinfer.verify(vk_p, py_proof))
        rows["verify_stage"].append((c["ms"] / 1e3, py_stage))
        rows["verify_verb"].append((c_wall, py_verb))

    # The bindings' own work per call (numpy → float32 bytes, shape check, bytes → numpy), timed
    # apart from the proof: an upper bound on the overhead that no machine noise blurs.
    shape = pk.input_shape
    native_out = (np.zeros(int(np.prod(vk.output_shape)), "<f4").tobytes(), [], list(vk.output_shape), 0)
    k = 2000
    t = time.perf_counter()
    for _ in range(k):
        zkinfer._arrays.one_sample(x, shape, "x")
        zkinfer._arrays.output(native_out)
    glue = (time.perf_counter() - t) / k

    print(f"model {model}; {a.runs} interleaved runs; medians; cli {a.cli}")
    print(f"{'':14} {'command':>12} {'python':>12} {'overhead':>9}")
    for name, v in rows.items():
        c = statistics.median(r[0] for r in v)
        py = statistics.median(r[1] for r in v)
        print(f"{name:14} {c * 1e3:10.2f}ms {py * 1e3:10.2f}ms {100 * (py / c - 1):+8.1f}%")
    prove = statistics.median(r[1] for r in rows["prove_stage"])
    print(f"binding work per prove (conversions in and out): {glue * 1e6:.1f} us = {100 * glue / prove:.3f}% of a proof")


if __name__ == "__main__":
    main()
