#!/usr/bin/env python3
"""Proven logits vs onnxruntime's: max / mean |error| and whether the next token agrees.

    python scripts/compare_logits.py EXPECTED.json OUT.json

EXPECTED.json as scripts/make_gpt2_ids.py and make_gpt2_124m.py write it (`output_data`, `shape`,
`next_token`); OUT.json as `zkinfer prove --output-json` writes it (`output_data`, `shape`).
Exits 1 if the shapes differ or the next token (argmax of the last position) disagrees.
"""
import json
import sys

import numpy as np


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    e = json.load(open(sys.argv[1]))
    o = json.load(open(sys.argv[2]))
    if list(e["shape"]) != list(o["shape"]):
        raise SystemExit(f"shapes differ: expected {e['shape']}, proven {o['shape']}")
    want = np.array(e["output_data"][0], dtype=np.float64).reshape(e["shape"])
    got = np.array(o["output_data"][0], dtype=np.float64).reshape(o["shape"])
    err = np.abs(got - want)
    span = float(want.max() - want.min())
    pos = want.reshape(-1, want.shape[-1]).argmax(-1) == got.reshape(-1, got.shape[-1]).argmax(-1)
    nxt = int(got.reshape(-1, got.shape[-1])[-1].argmax())
    print(f"max |error| {err.max():.3e} ({100 * err.max() / span:.2f}% of the range {span:.3f}), "
          f"mean {err.mean():.3e}; next token {nxt} (onnxruntime {e['next_token']}); "
          f"argmax equal at {int(pos.sum())}/{pos.size} positions")
    if nxt != e["next_token"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
