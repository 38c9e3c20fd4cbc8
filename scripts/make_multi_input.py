#!/usr/bin/env python3
"""Models with several graph inputs (issue 15 item 2), exported from PyTorch / Hugging Face.

    python scripts/make_multi_input.py [--out DIR] [--only NAME]

needs torch, transformers, onnx and onnxruntime; nothing is downloaded (random weights from
fixed seeds). Export: torch.onnx.export(..., opset_version=17, dynamo=False), static shapes.

  two_floats  x float [1, 8] and y float [1, 4]: relu(x·A + y·B + c)·D + e, 3 outputs
  bert_mask   BertModel(vocab 128, hidden 32, 1 layer, 2 heads, intermediate 64, seq 8) fed
              input_ids int64 [1, 8] and attention_mask int64 [1, 8] (the last 3 positions
              padded: mask 0); output last_hidden_state [1, 8, 32]. Hugging Face builds the
              extended mask as (1.0 - mask) * finfo(float32).min added to the attention scores.
  bert_types  the same BertModel (type_vocab_size 4) fed input_ids and token_type_ids int64
              [1, 8] (two token-id inputs: the second's ids sit at an offset in the packed
              input); the attention mask (all ones) is built inside the graph
  mask_classic  one attention head (embedding 128 × 16, seq 8) fed input_ids and attention_mask,
              with the classic extended mask of older transformers versions:
              (1.0 - mask[:, None, None, :].float()) * finfo(float32).min added to the scores
  gpt2_mask   GPT2LMHeadModel(2 layers, d 32, 2 heads, vocab 128, seq 8) fed input_ids and
              attention_mask (the first position padded); output logits [1, 8, 128]

Each NAME writes DIR/NAME.onnx, DIR/NAME.input.json (EZKL's layout: one flat list per graph
input, in the graph's input order), DIR/NAME.calib.json (8 samples: each list 8 times its
input's size) and DIR/NAME.expected.json ({"output_data": [[onnxruntime's output]], "shape"}).
Nothing is written unless onnxruntime matches torch within 1e-4.
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
torch.set_num_threads(1)


def seed_all(s):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


def randomize_transformer(model, seed, bias_std=0.05, ln_std=0.2):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.normal_(0.0, bias_std, generator=g)
            elif name.endswith("weight") and p.dim() == 1:
                p.add_(torch.randn(p.shape, generator=g) * ln_std)


class TwoFloats(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 16)
        self.b = nn.Linear(4, 16, bias=False)
        self.d = nn.Linear(16, 3)

    def forward(self, x, y):
        return self.d(torch.relu(self.a(x) + self.b(y)))


class Bert(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)[0]


class BertTypes(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, token_type_ids):
        mask = torch.ones(input_ids.shape, dtype=torch.long)
        return self.m(input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=mask,
                      return_dict=False)[0]


class MaskClassic(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 16)
        self.q = nn.Linear(16, 16)
        self.k = nn.Linear(16, 16)
        self.v = nn.Linear(16, 16)
        self.o = nn.Linear(16, 4)

    def forward(self, input_ids, attention_mask):
        x = self.emb(input_ids)
        scores = self.q(x) @ self.k(x).transpose(-1, -2) / 4.0
        bias = (1.0 - attention_mask[:, None, :].float()) * torch.finfo(torch.float32).min
        p = torch.softmax(scores + bias, dim=-1)
        return self.o(p @ self.v(x))


class GPT2(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, use_cache=False,
                      return_dict=False)[0]


def flat(t):
    v = t.reshape(-1).tolist()
    return [int(x) for x in v] if t.dtype == torch.int64 else [float(x) for x in v]


def export(name, model, inputs, calib, names, out):
    with torch.no_grad():
        want = model(*inputs)
        buf = io.BytesIO()
        torch.onnx.export(model, tuple(inputs), buf, opset_version=OPSET, dynamo=False,
                          do_constant_folding=True, input_names=names, output_names=["output"])
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    got = sess.run(None, {n: t.numpy() for n, t in zip(names, inputs)})[0]
    diff = float(np.abs(got - want.numpy()).max())
    assert diff < TOL, f"{name}: onnxruntime differs from torch by {diff}"
    base = os.path.join(out, name)
    with open(base + ".onnx", "wb") as f:
        f.write(data)
    with open(base + ".input.json", "w") as f:
        json.dump({"input_data": [flat(t) for t in inputs]}, f)
    with open(base + ".calib.json", "w") as f:
        json.dump({"input_data": [sum((flat(s[i]) for s in calib), []) for i in range(len(names))]}, f)
    with open(base + ".expected.json", "w") as f:
        json.dump({"output_data": [got.astype(np.float64).ravel().tolist()],
                   "shape": list(got.shape)}, f)
    ops = sorted({n.op_type for n in onnx.load_from_string(data).graph.node})
    print(f"{name}: {len(data)} bytes, ops {ops}, torch vs onnxruntime {diff:.1e}")


def two_floats(out):
    seed_all(1502)
    m = TwoFloats().eval()
    g = torch.Generator().manual_seed(2502)
    x, y = torch.randn(1, 8, generator=g), torch.randn(1, 4, generator=g)
    calib = [(torch.randn(1, 8, generator=g), torch.randn(1, 4, generator=g)) for _ in range(8)]
    export("two_floats", m, [x, y], calib, ["x", "y"], out)


SEQ, VOCAB = 8, 128


def ids_and_mask(g, pad_end=0, pad_start=0):
    ids = torch.randint(0, VOCAB, (1, SEQ), generator=g)
    mask = torch.ones(1, SEQ, dtype=torch.int64)
    if pad_end:
        mask[0, SEQ - pad_end:] = 0
    if pad_start:
        mask[0, :pad_start] = 0
    return ids, mask


def bert_mask(out):
    from transformers import BertConfig, BertModel
    seed_all(1503)
    cfg = BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=16, type_vocab_size=1)
    cfg._attn_implementation = "eager"
    m = BertModel(cfg, add_pooling_layer=False).eval()
    randomize_transformer(m, seed=2503)
    g = torch.Generator().manual_seed(3503)
    ids, mask = ids_and_mask(g, pad_end=3)
    calib = [ids_and_mask(g, pad_end=k % 4) for k in range(8)]
    export("bert_mask", Bert(m).eval(), [ids, mask], calib, ["input_ids", "attention_mask"], out)


def bert_types(out):
    from transformers import BertConfig, BertModel
    seed_all(1505)
    cfg = BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=16, type_vocab_size=4)
    cfg._attn_implementation = "eager"
    m = BertModel(cfg, add_pooling_layer=False).eval()
    randomize_transformer(m, seed=2505)
    g = torch.Generator().manual_seed(3505)

    def sample():
        return (torch.randint(0, VOCAB, (1, SEQ), generator=g),
                torch.randint(0, 4, (1, SEQ), generator=g))
    ids, types = sample()
    calib = [sample() for _ in range(8)]
    export("bert_types", BertTypes(m).eval(), [ids, types], calib,
           ["input_ids", "token_type_ids"], out)


def mask_classic(out):
    seed_all(1506)
    m = MaskClassic().eval()
    g = torch.Generator().manual_seed(3506)
    ids, mask = ids_and_mask(g, pad_end=3)
    calib = [ids_and_mask(g, pad_end=k % 4) for k in range(8)]
    export("mask_classic", m, [ids, mask], calib, ["input_ids", "attention_mask"], out)


def gpt2_mask(out):
    from transformers import GPT2Config, GPT2LMHeadModel
    seed_all(1504)
    cfg = GPT2Config(n_layer=2, n_embd=32, n_head=2, n_positions=16, vocab_size=VOCAB,
                     bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1, use_cache=False)
    cfg._attn_implementation = "eager"
    m = GPT2LMHeadModel(cfg).eval()
    randomize_transformer(m, seed=2504)
    g = torch.Generator().manual_seed(3504)
    ids, mask = ids_and_mask(g, pad_end=2)
    calib = [ids_and_mask(g, pad_end=k % 3) for k in range(8)]
    export("gpt2_mask", GPT2(m).eval(), [ids, mask], calib, ["input_ids", "attention_mask"], out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=FIXTURES)
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name, f in [("two_floats", two_floats), ("bert_mask", bert_mask),
                    ("bert_types", bert_types), ("mask_classic", mask_classic),
                    ("gpt2_mask", gpt2_mask)]:
        if a.only in (None, name):
            f(a.out)


if __name__ == "__main__":
    main()
