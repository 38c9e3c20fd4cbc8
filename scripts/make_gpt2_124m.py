#!/usr/bin/env python3
"""GPT-2 124M (GPT2LMHeadModel(GPT2Config())) fed 16 token ids, for the benchmark (issue 15 item 5).

    python scripts/make_gpt2_124m.py [--out DIR]

needs torch, transformers, onnx and onnxruntime; nothing is downloaded: every weight is a random
draw from a fixed seed (the Hugging Face init: N(0, 0.02) weights, then, as
scripts/make_gpt2_ids.py does, every bias N(0, 0.05) and every LayerNorm gamma 1 + N(0, 0.2) so no
bias is exactly zero).

Model: `GPT2LMHeadModel(GPT2Config())`: 12 layers, d 768, 12 heads, MLP 3072, vocab 50257,
1024 positions, the LM head tied to `wte` (124.4M parameters). Input `input_ids` int64 [1, 16],
output `logits` float [1, 16, 50257]; `attention_mask = ones` is built inside the graph (see
make_gpt2_ids.py). Export: torch.onnx.export(..., opset_version=17, dynamo=False), static shapes,
eval mode, constant folding on.

Writes to DIR (default /work/gpt2_124m, OUTSIDE the repository: the ONNX is ~650 MB; never commit it)
  DIR/gpt2_124m.onnx
  DIR/gpt2_124m.input.json     {"input_data": [[16 token ids]]}   (one id >= 32768 at least)
  DIR/gpt2_124m.calib.json     {"input_data": [[8 × 16 token ids]]}
  DIR/gpt2_124m.expected.json  {"output_data": [[logits]], "shape": [1, 16, 50257], "next_token": n}
                               onnxruntime's float32 output on the input
Nothing is written unless the model exports, passes onnx.checker and matches torch within 1e-4 in
onnxruntime (about 35 s and 3.9 GB peak on the 2-core machine). The input is drawn (fixed seed) so that the next-token logit leads the runner-up by a
clear margin and at least one id is >= 32768 (past the 16-bit activation range: the verifier
checks ids against the vocabulary).
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

OUT = "/work/gpt2_124m"
OPSET = 17
TOL = 1e-4
SEQ = 16
MARGIN = 0.05  # the top logit of the last position leads the second by at least this
TRIES = 200
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_gpt2_ids import GPT2Ids, ids_list, randomize_transformer, seed_all  # noqa: E402

torch.set_num_threads(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args()
    from transformers import GPT2Config, GPT2LMHeadModel

    seed_all(1505)
    cfg = GPT2Config(use_cache=False)
    assert (cfg.n_layer, cfg.n_embd, cfg.n_head, cfg.vocab_size) == (12, 768, 12, 50257)
    lm = GPT2LMHeadModel(cfg).eval()
    assert lm.lm_head.weight.data_ptr() == lm.transformer.wte.weight.data_ptr()  # tied head
    randomize_transformer(lm, seed=2505)
    model = GPT2Ids(lm).eval()
    vocab = cfg.vocab_size
    gen = torch.Generator().manual_seed(3505)
    with torch.no_grad():
        for _ in range(TRIES):
            ids = torch.randint(0, vocab, (1, SEQ), generator=gen)
            if int(ids.max()) < 32768:
                continue
            last = model(ids)[0, -1]
            top = torch.topk(last, 2).values
            if float(top[0] - top[1]) >= MARGIN:
                break
        else:
            raise SystemExit("no input with a clear next token")
        calib = [torch.randint(0, vocab, (1, SEQ), generator=gen) for _ in range(8)]
        want = model(ids)
        buf = io.BytesIO()
        torch.onnx.export(model, (ids,), buf, opset_version=OPSET, dynamo=False,
                          do_constant_folding=True, input_names=["input_ids"],
                          output_names=["logits"])
    data = buf.getvalue()
    del buf
    onnx.checker.check_model(onnx.load_from_string(data))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.log_severity_level = 3
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input_ids": ids.numpy()})[0]
    diff = float(np.abs(got - want.numpy()).max())
    assert diff < TOL, f"onnxruntime differs from torch by {diff}"
    next_token = int(got[0, -1].argmax())
    assert next_token == int(want[0, -1].argmax())
    os.makedirs(a.out, exist_ok=True)
    base = os.path.join(a.out, "gpt2_124m")
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
    print(f"gpt2_124m: {len(data)} bytes, {params} parameters, ops {ops}, ids {ids_list(ids)}, "
          f"next token {next_token} (margin {top[0] - top[1]:.4f}), torch vs onnxruntime {diff:.1e}")


if __name__ == "__main__":
    main()
