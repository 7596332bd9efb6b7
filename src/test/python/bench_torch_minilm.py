#!/usr/bin/env python3
"""PyTorch-eager peer of Finetune4J's MiniLM fine-tuning benchmark.

Builds all-MiniLM-L6-v2 (BERT: 6 layers, hidden 384, 12 heads, intermediate 1536, GELU(erf),
LayerNorm eps 1e-12) in plain torch.nn with Hugging Face parameter names, loads the real weights
from a safetensors checkpoint (default models/minilm-safetensors, written by
`./finetune checkpoint models/minilm-safetensors`), checks that every tensor is assigned with equal
shape and sums (against src/test/python/read_safetensors.py) and that the sentence-transformers
README similarity matrix is reproduced, adds a 2-class linear head on mean pooling (dropout 0.1),
and times these workloads (batch 16 x 64 random tokens from a fixed seed, mask all ones, random
0/1 labels, AdamW lr 1e-4 weight decay 0.01, dropout 0.1 in the encoder and before the head):

  full_fp32, frozen02_fp32, head_fp32    one training step: all parameters train / embeddings and
                                         layers 0-2 frozen (requires_grad=False only) / head only
  full_bf16, frozen02_bf16, head_bf16    the same, forward + loss under
                                         torch.autocast("cpu", dtype=torch.bfloat16), fp32 master
                                         weights, optimizer step outside autocast
  eval_fp32, eval_bf16                   inference (eval(), no_grad) over 1,000 sequences of 64
                                         tokens in batches of 32; a step is one batch (the last
                                         of each pass has 8); sequences/s are reported too
  seq128_full_fp32, seq256_full_fp32     full fine-tune at T = 128 and 256 (batch 16),
  seq128_full_bf16, seq256_full_bf16     and their bf16 twins
  matmul_fp32, matmul_bf16               peak: 1024x384 @ 384x1536 (the FFN shape) and 1024^3;
                                         a step is one matmul, each window runs 20 x steps

Protocol: `warmup` steps, then `windows` windows of `steps` steps; per window the mean step time
and the 1-minute load average at its end. One line per workload:
    NAME median_steps_per_s min max load_median
and a line `JSON {...}` with every window. Then FLOPs per step of the full fine-tune and the compute
floor (FLOPs / the faster matmul's median GFLOP/s). Threads: torch.set_num_threads(BENCH_THREADS, default 2),
set_num_interop_threads(1); OPENBLAS_NUM_THREADS defaults to the same (torch does not size the
system OpenBLAS that Debian's torch calls for fp32 matmuls).

    OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 \
        src/test/python/bench_torch_minilm.py 5 10 3 [--only NAME[,NAME]] [--weights PATH]
"""

import contextlib
import io
import json
import math
import os
import statistics
import subprocess
import sys
import time

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
# Read by OpenBLAS when it loads, so before torch is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_interop_threads(1)
torch.set_num_threads(THREADS)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, HERE)
import read_safetensors  # noqa: E402

VOCAB, HIDDEN, LAYERS, HEADS, INTERMEDIATE = 30522, 384, 6, 12, 1536
MAX_POSITIONS, TYPE_VOCAB, EPS, DROPOUT, CLASSES = 512, 2, 1e-12, 0.1, 2
BATCH, EVAL_BATCH, EVAL_SEQUENCES, MATMUL_REPEAT = 16, 32, 1000, 20
LR, WEIGHT_DECAY, SEED = 1e-4, 0.01, 42

WORKLOADS = [
    "full_fp32", "frozen02_fp32", "head_fp32",
    "full_bf16", "frozen02_bf16", "head_bf16",
    "eval_fp32", "eval_bf16",
    "seq128_full_fp32", "seq256_full_fp32", "seq128_full_bf16", "seq256_full_bf16",
    "matmul_fp32", "matmul_bf16",
]


# ---------------------------------------------------------------------------------------------
# The model: Hugging Face BertModel's module tree (no pooler), names included.

class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = nn.Embedding(MAX_POSITIONS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(TYPE_VOCAB, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.dropout = nn.Dropout(DROPOUT)
        self.register_buffer("position_ids", torch.arange(MAX_POSITIONS)[None], persistent=False)

    def forward(self, ids):
        t = ids.shape[1]
        x = (self.word_embeddings(ids) + self.position_embeddings(self.position_ids[:, :t])
             + self.token_type_embeddings(torch.zeros_like(ids)))
        return self.dropout(self.LayerNorm(x))


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.dropout = nn.Dropout(DROPOUT)

    def forward(self, x, additive_mask):
        b, t, _ = x.shape
        split = lambda y: y.view(b, t, HEADS, HIDDEN // HEADS).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + additive_mask
        probs = self.dropout(scores.softmax(-1))
        return (probs @ v).transpose(1, 2).reshape(b, t, HIDDEN)


class SelfOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.dropout = nn.Dropout(DROPOUT)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = SelfAttention()
        self.output = SelfOutput()

    def forward(self, x, additive_mask):
        return self.output(self.self(x, additive_mask), x)


class Intermediate(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, INTERMEDIATE)

    def forward(self, x):
        return F.gelu(self.dense(x))


class Output(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(INTERMEDIATE, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.dropout = nn.Dropout(DROPOUT)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.intermediate = Intermediate()
        self.output = Output()

    def forward(self, x, additive_mask):
        a = self.attention(x, additive_mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.ModuleList(Layer() for _ in range(LAYERS))

    def forward(self, x, additive_mask):
        for layer in self.layer:
            x = layer(x, additive_mask)
        return x


class Classifier(nn.Module):
    """BertModel's embeddings + encoder (same names at the top level), mean pooling, dropout, head."""

    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.encoder = Encoder()
        self.dropout = nn.Dropout(DROPOUT)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def encode(self, ids, mask):
        additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        return self.encoder(self.embeddings(ids), additive)

    @staticmethod
    def mean_pool(hidden, mask):
        m = mask[:, :, None].to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)

    def forward(self, ids, mask):
        return self.head(self.dropout(self.mean_pool(self.encode(ids, mask), mask)))


# ---------------------------------------------------------------------------------------------
# Weights

def checkpoint_file(path):
    return os.path.join(path, "model.safetensors") if os.path.isdir(path) else path


def read_checkpoint(path):
    """{name: float32 tensor}, after read_safetensors.py has validated the file; also its sums."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        read_safetensors.main(path)  # sys.exit(message) on a malformed file
    reference = {}
    for line in out.getvalue().splitlines():
        name, _dtype, _shape, total, first = line.split("\t")
        reference[name] = (float(total), float(first))
    with open(path, "rb") as f:
        (n,) = np.frombuffer(f.read(8), dtype="<u8")
        header = json.loads(f.read(int(n)).decode("utf-8"))
    header.pop("__metadata__", None)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + int(n))
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(t["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, reference


def check_weights(model, tensors, reference):
    """Every model tensor but the head comes from the file, shape equal; nothing is left over."""
    own = {k: v for k, v in model.state_dict().items() if not k.startswith("head.")}
    problems = [f"{k}: not in the checkpoint" for k in own if k not in tensors]
    problems += [f"{k}: in the checkpoint, not in the model" for k in tensors if k not in own]
    problems += [f"{k}: shape {tuple(tensors[k].shape)} != {tuple(v.shape)}"
                 for k, v in own.items() if k in tensors and tensors[k].shape != v.shape]
    if problems:
        sys.exit("weights do not fit:\n  " + "\n  ".join(problems))
    for k, t in tensors.items():
        total, first = reference[k]
        mine = t.double().sum().item()
        if t.reshape(-1)[0].item() != first or abs(mine - total) > 1e-9 * max(1.0, abs(total)) + 1e-6:
            sys.exit(f"{k}: loaded sum {mine!r} / first {t.reshape(-1)[0].item()!r}, "
                     f"read_safetensors.py says {total!r} / {first!r}")
    return len(own)


def build(tensors, seed=SEED):
    torch.manual_seed(seed)
    model = Classifier()
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    assert sorted(missing) == ["head.bias", "head.weight"] and not unexpected, (missing, unexpected)
    return model


# ---------------------------------------------------------------------------------------------
# Forward check: the sentence-transformers README similarity matrix for all-MiniLM-L6-v2.

REFERENCE_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!",
                       "He drove to the stadium."]
REFERENCE_SIMILARITY = [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411],
                        [0.1046, 0.1411, 1.0000]]


def wordpiece(text, vocab):
    """BERT uncased tokenization, enough for ASCII sentences: lowercase, split on spaces and
    punctuation, greedy longest-match WordPiece with '##' continuations."""
    words, word = [], ""
    for ch in text.lower():
        if ch.isspace():
            words, word = words + ([word] if word else []), ""
        elif not ch.isalnum():
            words, word = words + ([word] if word else []) + [ch], ""
        else:
            word += ch
    words += [word] if word else []
    ids = [vocab["[CLS]"]]
    for w in words:
        start, pieces = 0, []
        while start < len(w):
            end = len(w)
            while end > start and (("##" if start else "") + w[start:end]) not in vocab:
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            pieces.append(vocab[("##" if start else "") + w[start:end]])
            start = end
        ids += pieces
    return ids + [vocab["[SEP]"]]


def check_forward(model, tokenizer_json):
    if not os.path.exists(tokenizer_json):
        print(f"forward check: skipped ({tokenizer_json} not found)")
        return
    with open(tokenizer_json, encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    seqs = [wordpiece(s, vocab) for s in REFERENCE_SENTENCES]
    t = max(map(len, seqs))
    ids = torch.tensor([s + [0] * (t - len(s)) for s in seqs])
    mask = torch.tensor([[1] * len(s) + [0] * (t - len(s)) for s in seqs])
    model.eval()
    with torch.no_grad():
        e = F.normalize(model.mean_pool(model.encode(ids, mask), mask), dim=1)
    sim = (e @ e.T).tolist()
    error = max(abs(sim[i][j] - REFERENCE_SIMILARITY[i][j]) for i in range(3) for j in range(3))
    got = [round(sim[0][1], 4), round(sim[0][2], 4), round(sim[1][2], 4)]
    print(f"forward check: cosine similarities {got} vs README [0.6660, 0.1046, 0.1411]:"
          f" max error {error:.2g}")
    if error > 1e-3:
        sys.exit("forward check failed: the loaded model does not reproduce all-MiniLM-L6-v2")


# ---------------------------------------------------------------------------------------------
# Workloads: each returns (step function, units per step, unit name or None).

def random_batches(t, batch, count, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, VOCAB, (count, batch, t), generator=g)  # skip [PAD]/[unused]/specials
    labels = torch.randint(0, CLASSES, (count, batch), generator=g)
    return ids, torch.ones(batch, t, dtype=torch.long), labels


def train_workload(tensors, t, frozen, bf16):
    model = build(tensors)
    for name, p in model.named_parameters():
        if frozen == "head" and not name.startswith("head."):
            p.requires_grad_(False)
        if frozen == "02" and (name.startswith("embeddings.")
                               or any(name.startswith(f"encoder.layer.{i}.") for i in range(3))):
            p.requires_grad_(False)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LR,
                            weight_decay=WEIGHT_DECAY)
    ids, mask, labels = random_batches(t, BATCH, 4, SEED + t)
    state = {"i": 0}
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext

    def step():
        i = state["i"] % len(ids)
        state["i"] += 1
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = F.cross_entropy(model(ids[i], mask), labels[i])
        loss.backward()
        opt.step()
        return BATCH

    return step, None


def eval_workload(tensors, bf16):
    model = build(tensors)
    model.eval()
    ids, mask, _ = random_batches(64, EVAL_SEQUENCES, 1, SEED + 1)
    ids = ids[0]
    batches = [(ids[s:s + EVAL_BATCH], mask[s:s + EVAL_BATCH])
               for s in range(0, EVAL_SEQUENCES, EVAL_BATCH)]
    state = {"i": 0}
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext

    def step():
        b_ids, b_mask = batches[state["i"] % len(batches)]
        state["i"] += 1
        with torch.no_grad(), autocast():
            model(b_ids, b_mask)
        return len(b_ids)

    return step, "sequences"


def matmul_workload(m, k, n, dtype):
    g = torch.Generator().manual_seed(SEED)
    a = torch.randn(m, k, generator=g).to(dtype)
    b = torch.randn(k, n, generator=g).to(dtype)

    def step():
        torch.mm(a, b)
        return 2 * m * k * n / 1e9

    return step, "GFLOP"


def measure(step, windows, steps, warmup):
    for _ in range(warmup):
        step()
    result = []
    for _ in range(windows):
        units = 0.0
        t0 = time.perf_counter()
        for _ in range(steps):
            units += step()
        seconds = time.perf_counter() - t0
        result.append({"mean_step_s": seconds / steps, "steps_per_s": steps / seconds,
                       "units_per_s": units / seconds, "load1": os.getloadavg()[0]})
    return result


def report(name, result, unit, extra=None):
    sps = [w["steps_per_s"] for w in result]
    loads = [w["load1"] for w in result]
    line = f"{name} {statistics.median(sps):.4g} {min(sps):.4g} {max(sps):.4g} {statistics.median(loads):.2f}"
    summary = {"name": name, "threads": THREADS, "median_steps_per_s": statistics.median(sps),
               "min_steps_per_s": min(sps), "max_steps_per_s": max(sps),
               "load_median": statistics.median(loads), "windows": result}
    if unit:
        ups = [w["units_per_s"] for w in result]
        line += f"  ({unit}/s median {statistics.median(ups):.4g} min {min(ups):.4g} max {max(ups):.4g})"
        summary[f"median_{unit}_per_s"] = statistics.median(ups)
    summary.update(extra or {})
    print(line, flush=True)
    print("JSON " + json.dumps(summary), flush=True)
    return summary


# ---------------------------------------------------------------------------------------------
# FLOPs (multiply-adds x 2): forward 1x, backward 2x, so a training step is 3x the forward.

def forward_flops_per_sequence(t):
    per_token = LAYERS * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * INTERMEDIATE + 2 * t * HIDDEN)
    return 2 * (t * per_token + HIDDEN * CLASSES)


def full_step_flops(t, batch=BATCH):
    return 3 * batch * forward_flops_per_sequence(t)


def blas_info():
    lines = []
    try:
        lines.append(subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"],
                                    capture_output=True, text=True).stdout.split("Value: ")[1].split("\n")[0])
    except Exception:  # noqa: BLE001 - informational only
        lines.append("libblas.so.3: unknown")
    try:
        with open(f"/proc/{os.getpid()}/maps") as f:
            libs = sorted({ln.split()[-1] for ln in f if "blas" in ln or "dnnl" in ln or "gomp" in ln})
        lines += libs
    except OSError:
        pass
    return lines


def main(argv):
    args, only, weights = [], None, os.path.join(REPO, "models", "minilm-safetensors")
    it = iter(argv)
    for a in it:
        if a == "--only":
            only = next(it).split(",")
        elif a.startswith("--only="):
            only = a.split("=", 1)[1].split(",")
        elif a == "--weights":
            weights = next(it)
        elif a.startswith("--weights="):
            weights = a.split("=", 1)[1]
        else:
            args.append(int(a))
    windows, steps, warmup = (args + [5, 10, 3][len(args):])[:3]
    names = WORKLOADS if only is None else only
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}; known: {','.join(WORKLOADS)}")

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()} (interop "
          f"{torch.get_num_interop_threads()}), OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, mkldnn {torch.backends.mkldnn.is_available()}")
    print("BLAS: " + "; ".join(blas_info()))
    print(f"protocol: {warmup} warm-up steps, {windows} windows x {steps} steps")

    t0 = time.perf_counter()
    path = checkpoint_file(weights)
    if not os.path.exists(path):
        sys.exit(f"{path} not found: write it with ./finetune checkpoint models/minilm-safetensors")
    tensors, reference = read_checkpoint(path)
    model = build(tensors)
    count = check_weights(model, tensors, reference)
    print(f"weights: {count} tensors from {path}, all assigned, shapes and sums equal "
          f"({sum(v.numel() for v in tensors.values()):,} values, {time.perf_counter() - t0:.1f} s)")
    check_forward(model, os.path.join(os.path.dirname(path), "tokenizer.json"))
    del model

    results = {}
    for name in names:
        bf16 = name.endswith("_bf16")
        if name.startswith("matmul_"):
            dtype = torch.bfloat16 if bf16 else torch.float32
            sub = {}
            for label, (m, k, n) in [("1024x384x1536", (1024, 384, 1536)), ("1024x1024x1024", (1024, 1024, 1024))]:
                step, unit = matmul_workload(m, k, n, dtype)
                sub[label] = measure(step, windows, steps * MATMUL_REPEAT, warmup * MATMUL_REPEAT)
            gflops = lambda r: statistics.median(w["units_per_s"] for w in r)  # noqa: E731
            results[name] = report(name, sub["1024x384x1536"], "GFLOP",
                                   {"shape": "1024x384 @ 384x1536",
                                    "gflops_1024x1024x1024": gflops(sub["1024x1024x1024"]),
                                    "windows_1024x1024x1024": sub["1024x1024x1024"]})
            print(f"  {name} 1024x1024 @ 1024x1024: {gflops(sub['1024x1024x1024']):.4g} GFLOP/s")
            continue
        if name.startswith("eval_"):
            step, unit = eval_workload(tensors, bf16)
        else:
            t = 128 if name.startswith("seq128") else 256 if name.startswith("seq256") else 64
            frozen = "head" if name.startswith("head") else "02" if name.startswith("frozen02") else None
            step, unit = train_workload(tensors, t, frozen, bf16)
        results[name] = report(name, measure(step, windows, steps, warmup), unit)

    print("FLOPs: per sequence forward = 2 x (T x 6 x (4H^2 + 2HI + 2TH) + 2H), training = 3 x forward")
    for t in (64, 128, 256):
        print(f"  full fine-tune step, batch {BATCH} x T={t}: {full_step_flops(t) / 1e9:.2f} GFLOP")
    print(f"  eval, T=64: {forward_flops_per_sequence(64) / 1e9:.4f} GFLOP/sequence")
    for dt in ("fp32", "bf16"):
        peak = results.get(f"matmul_{dt}")
        if not peak:
            continue
        # The faster of the two shapes, so that the floor is a lower bound on the step time.
        gf = max(peak["median_GFLOP_per_s"], peak["gflops_1024x1024x1024"])
        for name, t in [(f"full_{dt}", 64), (f"seq128_full_{dt}", 128), (f"seq256_full_{dt}", 256)]:
            floor = full_step_flops(t) / 1e9 / gf
            got = results.get(name)
            got_s = ""
            if got:
                sps = got["median_steps_per_s"]
                got_s = f", measured {1 / sps:.3f} s = {floor * sps:.0%} of peak"
            print(f"  floor {name}: {floor:.3f} s/step at {gf:.4g} GFLOP/s{got_s}")
        got = results.get(f"eval_{dt}")
        floor = forward_flops_per_sequence(64) / 1e9 / gf
        if got:
            seqs = got["median_sequences_per_s"]
            print(f"  floor eval_{dt}: {1 / floor:.4g} sequences/s at {gf:.4g} GFLOP/s,"
                  f" measured {seqs:.4g} = {seqs * floor:.0%} of peak")


if __name__ == "__main__":
    main(sys.argv[1:])
