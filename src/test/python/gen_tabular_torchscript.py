#!/usr/bin/env python3
"""Writes the two small TorchScript models of the tabular recipes (recipes/tabular/).

Run with the system Python (Debian python3-torch and python3-sklearn, for its data file only):

    /usr/bin/python3 src/test/python/gen_tabular_torchscript.py

models/tabular/diabetes-mlp.pt
    A random-initialised MLP, 10 features -> 1 value: body = Linear(10,32) ReLU Linear(32,16) ReLU,
    out = Linear(16,1), and an exported method features(x) that returns the body's 16 features.
    Weights from torch.manual_seed(20261201); never trained here (the recipe
    recipes/tabular/diabetes-regression.yaml trains it on data/diabetes).

models/tabular/digits-bn-body.pt
    The body of an MLP with BatchNorm, pre-trained here on the digits 0-4 of scikit-learn's 8x8
    handwritten digits: body = Linear(64,32) BatchNorm1d(32) ReLU Linear(32,32) BatchNorm1d(32)
    ReLU (its forward returns the 32 features); during pre-training a Linear(32,5) head sat on
    top, and it is dropped. The recipe recipes/tabular/digits-transfer.yaml puts a new head on the
    body and fine-tunes it on the digits 5-9 (data/digits). The inputs are standardized per pixel
    as Finetune4J's Standardizer does (mean and population standard deviation of the training
    rows; a constant pixel gets standard deviation 1).

Both modules are saved in inference mode (eval()). Deterministic on one machine (torch seeds, one
thread, PYTHONHASHSEED=0, which the script sets for itself); the archives hold TorchScript debug
information, so editing this script changes their bytes even when the models are unchanged.
"""
import csv
import gzip
import hashlib
import io
import os
import random
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    # TorchScript writes a module's constant attributes in set order: fix the hash seed so that
    # reruns write byte-identical archives.
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})

import torch
from torch import nn

DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
DIGITS_SHA256 = "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a"


class DiabetesMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU())
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return self.out(self.body(x))

    @torch.jit.export
    def features(self, x):
        """The body's 16 features, for a new head (model.features_method: features)."""
        return self.body(x)


class DigitsBody(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(),
            nn.Linear(32, 32), nn.BatchNorm1d(32), nn.ReLU())

    def forward(self, x):
        return self.body(x)


def standardize(train, *others):
    """Finetune4J's Standardizer: population std, constant columns map to 0 (std 1)."""
    mean = train.mean(dim=0, dtype=torch.float64)
    std = train.to(torch.float64).std(dim=0, unbiased=False)
    lo, hi = train.min(dim=0).values, train.max(dim=0).values
    constant = lo == hi
    mean = torch.where(constant, lo.to(torch.float64), mean)
    std = torch.where(constant | (std == 0), torch.ones_like(std), std)
    return [((t.to(torch.float64) - mean) / std).to(torch.float32) for t in (train,) + others]


def digits_0_to_4():
    raw = open(DIGITS, "rb").read()
    if hashlib.sha256(raw).hexdigest() != DIGITS_SHA256:
        raise SystemExit(DIGITS + ": unexpected sha256 (another scikit-learn copy?)")
    rows = [r for r in csv.reader(io.StringIO(gzip.decompress(raw).decode("ascii")))
            if r[-1] in ("0", "1", "2", "3", "4")]
    order = list(range(len(rows)))
    random.Random(20261201).shuffle(order)
    held = set(order[:180])
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows])
    y = torch.tensor([int(r[-1]) for r in rows])
    tr = torch.tensor([i for i in range(len(rows)) if i not in held])
    ho = torch.tensor(sorted(held))
    return x[tr], y[tr], x[ho], y[ho]


def pretrain_digits():
    xtr, ytr, xho, yho = digits_0_to_4()
    xtr, xho = standardize(xtr, xho)
    torch.manual_seed(20261201)
    body = DigitsBody()
    head = nn.Linear(32, 5)
    net = nn.Sequential(body, head)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(1)
    for epoch in range(20):
        net.train()
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(perm), 32):
            idx = perm[i:i + 32]
            if len(idx) < 2:
                continue
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        acc = (net(xho).argmax(1) == yho).float().mean().item()
    print(f"digits 0-4: pre-trained on {len(xtr)} rows, held-out accuracy {acc:.4f}"
          f" on {len(xho)} rows")
    body.eval()
    return body


def main():
    torch.set_num_threads(1)
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = os.path.join(here, "..", "..", "..", "models", "tabular")
    os.makedirs(out_dir, exist_ok=True)

    torch.manual_seed(20261201)
    mlp = DiabetesMlp().eval()
    torch.jit.script(mlp).save(os.path.join(out_dir, "diabetes-mlp.pt"))
    print("wrote diabetes-mlp.pt")

    body = pretrain_digits()
    torch.jit.script(body).save(os.path.join(out_dir, "digits-bn-body.pt"))
    print("wrote digits-bn-body.pt")


if __name__ == "__main__":
    main()
