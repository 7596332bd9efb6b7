#!/usr/bin/env bash
# Regenerate data/digits/{train,valid,test}.csv and MANIFEST.txt from scikit-learn's copy of the
# UCI optical recognition of handwritten digits data (8x8 images), as shipped in the Debian
# package python3-sklearn (1.2.1+dfsg-1): sklearn/datasets/data/digits.csv.gz. Only the images of
# the digits 5 to 9 are kept: the digits 0 to 4 are what models/tabular/digits-bn-body.pt was
# pre-trained on (src/test/python/gen_tabular_torchscript.py), so this is the "new task" of the
# transfer recipe recipes/tabular/digits-transfer.yaml.
#
# Usage (from the repository root):  bash data/digits/regenerate.sh
# Needs: the apt package python3-sklearn (only for its data file; nothing is imported from it)
# and python3 (>= 3.8, standard library only: csv, gzip, hashlib, random).
# SKLEARN_DATA may name another directory holding the same file; its sha256 must still match.
# The Python helpers shared by these scripts are in data/lib/datasets.py (on PYTHONPATH).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" \
python3 - "$SKLEARN_DATA" "$HERE" <<'PY'
import os, sys
from datasets import DIGITS_SHA256 as SOURCE_SHA256, DIGITS_SOURCE as SOURCE
from datasets import read_sklearn_digits, seeded_split, sha256_hex, write_csv, write_manifest

src_dir, out_dir = sys.argv[1], sys.argv[2]
NAME = "digits"
SEED = 20261130
N_TEST, N_VALID = 200, 150
HEADER = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)] + ["digit"]

rows = read_sklearn_digits(NAME, src_dir)
kept = [i for i, r in enumerate(rows) if r[-1] in ("5", "6", "7", "8", "9")]
splits = seeded_split(kept, SEED, N_TEST, N_VALID)  # each split keeps source order

sums = {}
sizes = {}
for name, idx in splits.items():
    # cells copied as text, unchanged
    out = write_csv(NAME, os.path.join(out_dir, name + ".csv"), HEADER, (rows[i] for i in idx))
    sums[name] = sha256_hex(out)
    sizes[name] = len(out)

def counts(idx):
    c = {}
    for i in idx:
        c[rows[i][-1]] = c.get(rows[i][-1], 0) + 1
    return ", ".join(f"{k} {c[k]}" for k in sorted(c))

manifest = f"""Digits 5-9 of the UCI handwritten digits (8x8), scikit-learn's copy (see NOTICE)

source package: python3-sklearn 1.2.1+dfsg-1 (Debian)
source file:    /usr/lib/python3/dist-packages/sklearn/datasets/data/{SOURCE}
source sha256:  {SOURCE_SHA256}

columns: pixel_0_0 ... pixel_7_7 (64 pixel intensities 0-16, row by row), digit
kept: the {len(kept)} rows whose digit is 5, 6, 7, 8 or 9 (of 1797)
split seed {SEED} (random.Random(seed).shuffle of the kept row indices);
test the first {N_TEST}, valid the next {N_VALID}, train the rest; source order kept

file        rows     bytes   digits
train.csv  {len(splits['train']):5d} {sizes['train']:9d}   {counts(splits['train'])}
valid.csv  {len(splits['valid']):5d} {sizes['valid']:9d}   {counts(splits['valid'])}
test.csv   {len(splits['test']):5d} {sizes['test']:9d}   {counts(splits['test'])}

test rows (0-based source line numbers):
{" ".join(str(i) for i in splits['test'])}

valid rows (0-based source line numbers):
{" ".join(str(i) for i in splits['valid'])}

sha256:
{sums['train']}  train.csv
{sums['valid']}  valid.csv
{sums['test']}  test.csv
"""
write_manifest(out_dir, manifest)
PY
