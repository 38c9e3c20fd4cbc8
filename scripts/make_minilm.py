#!/usr/bin/env python3
"""A 6-layer MiniLM-style BERT encoder fed token ids and an attention mask, for the benchmark
(issues 15 and 16: "a 6-layer MiniLM-style encoder fed ids + mask", "MiniLM < 6 s").

    python scripts/make_minilm.py [--out DIR] [--seq N]

needs torch, transformers, onnx and onnxruntime; nothing is downloaded: every weight is a random
draw from a fixed seed (the Hugging Face init, N(0, 0.02) weights, then, as
scripts/make_multi_input.py does, every bias N(0, 0.05) and every LayerNorm gamma 1 + N(0, 0.2)).

Model: `BertModel(BertConfig(...), add_pooling_layer=False)` with all-MiniLM-L6-v2's shape: 6
layers, d 384, 12 heads, intermediate 1536 (GELU, erf form), vocabulary 30522, 512 positions, two
token types (22.7M parameters, 11.7M of them the word embeddings). Inputs `input_ids` and
`attention_mask`, int64 [1, SEQ] (SEQ = 16 by default; the input's last 4 positions padded: mask 0,
id 0), output `last_hidden_state` float [1, SEQ, 384]. Hugging Face builds the extended mask inside
the graph ((1 − mask)·finfo(float32).min added to the scores; the eager attention). Export:
torch.onnx.export(..., opset_version=17, dynamo=False), static shapes, eval mode, constant folding.

Writes to DIR (default target/models, outside version control: the ONNX is ~91 MB; never commit it)
  DIR/minilm.onnx
  DIR/minilm.input.json     {"input_data": [[SEQ ids], [SEQ mask bits]]}  (EZKL's layout)
  DIR/minilm.calib.json     8 samples, each list 8 × SEQ long
  DIR/minilm.expected.json  {"output_data": [[...]], "shape": [1, SEQ, 384]}: onnxruntime's
                            float32 output on the input
Nothing is written unless the model exports, passes onnx.checker and matches torch within 1e-4 in
onnxruntime.
"""
import argparse
import io
import json
import os
import sys
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
OUT = os.path.join(ROOT, "target", "models")
OPSET = 17
TOL = 1e-4
PAD = 4
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_multi_input import randomize_transformer, seed_all  # noqa: E402

torch.set_num_threads(2)


class Encoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)[0]


def flat(t):
    return [int(x) for x in t.reshape(-1).tolist()]


def sample(g, vocab, seq, pad):
    ids = torch.randint(1, vocab, (1, seq), generator=g)
    mask = torch.ones(1, seq, dtype=torch.int64)
    if pad:
        ids[0, seq - pad:] = 0
        mask[0, seq - pad:] = 0
    return ids, mask


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--seq", type=int, default=16)
    a = ap.parse_args()
    from transformers import BertConfig, BertModel

    seed_all(1507)
    cfg = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6,
                     num_attention_heads=12, intermediate_size=1536,
                     max_position_embeddings=512, type_vocab_size=2)
    cfg._attn_implementation = "eager"
    bert = BertModel(cfg, add_pooling_layer=False).eval()
    randomize_transformer(bert, seed=2507)
    model = Encoder(bert).eval()
    g = torch.Generator().manual_seed(3507)
    seq = a.seq
    ids, mask = sample(g, cfg.vocab_size, seq, PAD)
    calib = [sample(g, cfg.vocab_size, seq, k % (PAD + 1)) for k in range(8)]
    names = ["input_ids", "attention_mask"]
    with torch.no_grad():
        want = model(ids, mask)
        buf = io.BytesIO()
        torch.onnx.export(model, (ids, mask), buf, opset_version=OPSET, dynamo=False,
                          do_constant_folding=True, input_names=names,
                          output_names=["last_hidden_state"])
    data = buf.getvalue()
    del buf
    onnx.checker.check_model(onnx.load_from_string(data))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.log_severity_level = 3
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
    diff = float(np.abs(got - want.numpy()).max())
    assert diff < TOL, f"onnxruntime differs from torch by {diff}"
    os.makedirs(a.out, exist_ok=True)
    base = os.path.join(a.out, "minilm")
    with open(base + ".onnx", "wb") as f:
        f.write(data)
    with open(base + ".input.json", "w") as f:
        json.dump({"input_data": [flat(ids), flat(mask)]}, f)
    with open(base + ".calib.json", "w") as f:
        json.dump({"input_data": [sum((flat(s[i]) for s in calib), []) for i in range(2)]}, f)
    with open(base + ".expected.json", "w") as f:
        json.dump({"output_data": [got.astype(np.float64).ravel().tolist()],
                   "shape": list(got.shape)}, f)
    ops = sorted({n.op_type for n in onnx.load_from_string(data).graph.node})
    params = sum(p.numel() for p in bert.parameters())
    print(f"minilm: {len(data)} bytes, {params} parameters, ops {ops}, "
          f"output range [{got.min():.3f}, {got.max():.3f}], torch vs onnxruntime {diff:.1e}")


if __name__ == "__main__":
    main()
