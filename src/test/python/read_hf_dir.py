#!/usr/bin/env python3
"""An independent reader of the Hugging Face directory that Finetune4J exports (HfDirectory), to
check it from outside Java: numpy parses model.safetensors by hand (8-byte little-endian header
length, JSON header, raw little-endian float32 data); json reads config.json and the tokenizer
files. Prints one JSON object:

    {"metadata": {...},                       the safetensors __metadata__
     "header_length": N, "file_size": N,
     "tensors": {NAME: {"dtype": "F32", "shape": [...], "sha256": HEX of the raw bytes,
                        "first": [up to 3 values], "sum": float64 sum}},
     "config": {...}, "tokenizer_config": {...}, "special_tokens_map": {...},
     "vocab_lines": N, "modules": [...], "pooling": {...},
     "probabilities": [[...], ...]}           only with --ids (needs torch)

Checks on the way (exit 1 with a message): offsets contiguous from 0 in file order, every tensor
F32 with 4 x prod(shape) bytes, the file ends where the data ends, the header is padded to a
multiple of 8 bytes.

With --ids FILE (a JSON list of token-id lists, one per text), the classifier is run with torch
from the files alone, as the model card's Python snippet does with transformers: a BERT encoder
written here from the Hugging Face tensor names (erf GELU, post-LayerNorm), the pooling of
config.json's finetune4j.pooling (masked mean or the [CLS] state), then classifier.weight/bias and
softmax (single_label_classification) or sigmoid (multi_label_classification). Each text runs
alone, so no padding is involved.

Exits with status 3 when numpy (or, with --ids, torch) cannot be imported.

Usage: /usr/bin/python3 read_hf_dir.py DIR [--ids FILE]
"""
import argparse
import hashlib
import json
import os
import struct
import sys

MISSING = 3  # the exit status when a module is missing

try:
    import numpy as np
except ImportError as e:
    print(f"numpy is not importable: {e}", file=sys.stderr)
    sys.exit(MISSING)


def fail(message):
    sys.exit(message)


def read_safetensors(path):
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    if n % 8 != 0:
        fail(f"header length {n} is not a multiple of 8")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    base = 8 + n
    tensors = {}
    arrays = {}
    expected = 0
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = t["data_offsets"]
        if begin != expected:
            fail(f"{name}: data starts at {begin}, expected {expected}")
        count = int(np.prod(t["shape"])) if t["shape"] else 1
        if t["dtype"] != "F32" or end - begin != 4 * count:
            fail(f"{name}: {t['dtype']} {t['shape']} does not fill {end - begin} bytes")
        raw = data[base + begin:base + end]
        a = np.frombuffer(raw, dtype="<f4").reshape(t["shape"])
        arrays[name] = a
        tensors[name] = {
            "dtype": t["dtype"],
            "shape": t["shape"],
            "sha256": hashlib.sha256(raw).hexdigest(),
            "first": [float(v) for v in a.reshape(-1)[:3]],
            "sum": float(a.astype(np.float64).sum()),
        }
        expected = end
    if base + expected != size:
        fail(f"the file has {size - base - expected} bytes after the last tensor")
    return metadata, n, size, tensors, arrays


def probabilities(arrays, config, ids_lists):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        print(f"torch is not importable: {e}", file=sys.stderr)
        sys.exit(MISSING)

    def t(name):
        return torch.from_numpy(arrays[name].copy())

    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    hidden = config["hidden_size"]
    pooling = config["finetune4j"]["pooling"]
    multi = config["problem_type"] == "multi_label_classification"
    out = []
    for ids in ids_lists:
        ids = torch.tensor(ids, dtype=torch.long)
        n = ids.shape[0]
        p = "bert.embeddings."
        x = (t(p + "word_embeddings.weight")[ids]
             + t(p + "position_embeddings.weight")[torch.arange(n)]
             + t(p + "token_type_embeddings.weight")[torch.zeros(n, dtype=torch.long)])
        x = F.layer_norm(x, (hidden,), t(p + "LayerNorm.weight"), t(p + "LayerNorm.bias"), eps)
        for i in range(config["num_hidden_layers"]):
            p = f"bert.encoder.layer.{i}."

            def lin(name, v):
                return F.linear(v, t(p + name + ".weight"), t(p + name + ".bias"))

            d = hidden // heads

            def split(v):
                return v.view(n, heads, d).transpose(0, 1)

            q = split(lin("attention.self.query", x))
            k = split(lin("attention.self.key", x))
            v = split(lin("attention.self.value", x))
            a = torch.softmax(q @ k.transpose(1, 2) / (d ** 0.5), dim=-1) @ v
            a = a.transpose(0, 1).reshape(n, hidden)
            x = F.layer_norm(x + lin("attention.output.dense", a), (hidden,),
                             t(p + "attention.output.LayerNorm.weight"),
                             t(p + "attention.output.LayerNorm.bias"), eps)
            h = F.gelu(lin("intermediate.dense", x))
            x = F.layer_norm(x + lin("output.dense", h), (hidden,),
                             t(p + "output.LayerNorm.weight"), t(p + "output.LayerNorm.bias"),
                             eps)
        pooled = x[0] if pooling == "cls" else x.mean(dim=0)
        logits = F.linear(pooled, t("classifier.weight"), t("classifier.bias"))
        probs = torch.sigmoid(logits) if multi else torch.softmax(logits, dim=-1)
        out.append([float(v) for v in probs])
    return out


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--ids")
    args = parser.parse_args()
    d = args.dir
    metadata, n, size, tensors, arrays = read_safetensors(os.path.join(d, "model.safetensors"))
    config = read_json(os.path.join(d, "config.json"))
    result = {
        "metadata": metadata,
        "header_length": n,
        "file_size": size,
        "tensors": tensors,
        "config": config,
        "tokenizer_config": read_json(os.path.join(d, "tokenizer_config.json")),
        "special_tokens_map": read_json(os.path.join(d, "special_tokens_map.json")),
        "modules": read_json(os.path.join(d, "modules.json")),
        "pooling": read_json(os.path.join(d, "1_Pooling", "config.json")),
    }
    vocab = os.path.join(d, "vocab.txt")
    if os.path.exists(vocab):
        with open(vocab, encoding="utf-8") as f:
            result["vocab_lines"] = sum(1 for _ in f)
    if args.ids:
        result["probabilities"] = probabilities(arrays, config, read_json(args.ids))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
