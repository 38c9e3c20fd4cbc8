#!/usr/bin/env python3
"""A 2-layer GPT-2 language model fed token ids (int64), exported from PyTorch / Hugging Face.

    python scripts/make_gpt2_ids.py [--out DIR] [--layers N --d D --heads H --vocab V]

The defaults make the bundled fixture; `--layers 1 --d 768 --heads 12 --out DIR` makes one
GPT-2-small-width block (d 768, 12 heads, MLP 3072) fed ids, the bench's "GPT-2-small block".

needs torch, transformers, onnx and onnxruntime (`pip install torch transformers onnx
onnxruntime`); nothing is downloaded: every weight is a random draw from a fixed seed.

Model: `GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=512,
n_positions=32))`, random init, then every bias (LayerNorm beta included) N(0, 0.05) and every
LayerNorm gamma 1 + N(0, 0.2) (as crates/zkinfer-model/tests/fixtures/make_models.py does for its
transformers, so no bias is exactly zero); the LM head is tied to the token embedding `wte`.
Input `input_ids` int64 [1, 16], output `logits` float [1, 16, 512]. The wrapper passes
`attention_mask = ones` built inside the graph (without it transformers' mask code calls
`aten::diff`, which the TorchScript exporter cannot export).

Export: torch.onnx.export(..., opset_version=17, dynamo=False) (the TorchScript exporter),
static shapes, eval mode, constant folding on: `input_ids` feeds a Reshape and the `Gather` on
`wte`; the position embedding is a Gather with constant indices that folds away.

Writes (DIR defaults to crates/zkinfer-model/tests/fixtures, about 0.7 MB in all)
  DIR/gpt2_ids.onnx
  DIR/gpt2_ids.input.json     {"input_data": [[16 token ids]]}              (EZKL's format)
  DIR/gpt2_ids.calib.json     {"input_data": [[8 × 16 token ids]]}          8 calibration samples
  DIR/gpt2_ids.expected.json  {"output_data": [[logits]], "shape": [1, 16, 512],
                               "next_token": argmax of the last position's logits}
                               onnxruntime's float32 output on the input
Nothing is written unless the model exports, passes onnx.checker and matches torch within 1e-4
in onnxruntime. The input is drawn (fixed seed) so that the next-token logit leads the runner-up
by a clear margin (quantization moves logits by ~1e-3).
"""
import argparse
import io
import json
import os
import random
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
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
VOCAB, SEQ, D, HEADS, LAYERS = 512, 16, 64, 4, 2
MARGIN = 0.05  # the top logit of the last position leads the second by at least this
torch.set_num_threads(1)


def seed_all(s):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


def randomize_transformer(model, seed, bias_std=0.05, ln_std=0.2):
    """HF init sets every bias (LayerNorm beta included) to 0 and every LayerNorm gamma to 1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.normal_(0.0, bias_std, generator=g)
            elif name.endswith("weight") and p.dim() == 1:  # LayerNorm gamma
                p.add_(torch.randn(p.shape, generator=g) * ln_std)


class GPT2Ids(nn.Module):
    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        mask = torch.ones(input_ids.shape, dtype=torch.long)
        return self.lm(input_ids=input_ids, attention_mask=mask, use_cache=False,
                       return_dict=False)[0]


def ids_list(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def main():
    global VOCAB, D, HEADS, LAYERS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=FIXTURES)
    ap.add_argument("--layers", type=int, default=LAYERS)
    ap.add_argument("--d", type=int, default=D, help="width (n_embd)")
    ap.add_argument("--heads", type=int, default=HEADS)
    ap.add_argument("--vocab", type=int, default=VOCAB)
    a = ap.parse_args()
    VOCAB, D, HEADS, LAYERS = a.vocab, a.d, a.heads, a.layers
    from transformers import GPT2Config, GPT2LMHeadModel

    seed_all(1501)
    cfg = GPT2Config(n_layer=LAYERS, n_embd=D, n_head=HEADS, n_positions=32, vocab_size=VOCAB,
                     bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1, use_cache=False)
    lm = GPT2LMHeadModel(cfg).eval()
    randomize_transformer(lm, seed=2501)
    model = GPT2Ids(lm).eval()
    gen = torch.Generator().manual_seed(3501)
    with torch.no_grad():
        for _ in range(1000):
            ids = torch.randint(0, VOCAB, (1, SEQ), generator=gen)
            last = model(ids)[0, -1]
            top = torch.topk(last, 2).values
            if float(top[0] - top[1]) >= MARGIN:
                break
        else:
            raise SystemExit("no input with a clear next token")
        calib = [torch.randint(0, VOCAB, (1, SEQ), generator=gen) for _ in range(8)]
        want = model(ids)
        buf = io.BytesIO()
        torch.onnx.export(model, (ids,), buf, opset_version=OPSET, dynamo=False,
                          do_constant_folding=True, input_names=["input_ids"],
                          output_names=["logits"])
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input_ids": ids.numpy()})[0]
    diff = float(np.abs(got - want.numpy()).max())
    assert diff < TOL, f"onnxruntime differs from torch by {diff}"
    next_token = int(got[0, -1].argmax())
    assert next_token == int(want[0, -1].argmax())
    os.makedirs(a.out, exist_ok=True)
    base = os.path.join(a.out, "gpt2_ids")
    with open(base + ".onnx", "wb") as f:
        f.write(data)
    with open(base + ".input.json", "w") as f:
        json.dump({"input_data": [ids_list(ids)]}, f)
    with open(base + ".calib.json", "w") as f:
        json.dump({"input_data": [sum((ids_list(c) for c in calib), [])]}, f)
    flat = got.astype(np.float32).astype(np.float64).ravel().tolist()
    with open(base + ".expected.json", "w") as f:
        json.dump({"output_data": [flat], "shape": list(got.shape), "next_token": next_token}, f)
    top = np.sort(got[0, -1])[::-1]
    ops = sorted({n.op_type for n in onnx.load_from_string(data).graph.node})
    params = sum(p.numel() for p in lm.parameters())
    print(f"gpt2_ids: {len(data)} bytes, {params} parameters, ops {ops}, ids {ids_list(ids)}, "
          f"next token {next_token} (margin {top[0] - top[1]:.4f}), torch vs onnxruntime {diff:.1e}")


if __name__ == "__main__":
    main()
