#!/usr/bin/env bash
# Regenerate data/iris/iris.csv and MANIFEST.txt from scikit-learn's copy of
# Fisher's iris data, as shipped in the Debian package python3-sklearn
# (1.2.1+dfsg-1): sklearn/datasets/data/iris.csv.
#
# Usage (from the repository root):  bash data/iris/regenerate.sh
# Needs: the apt package python3-sklearn (only for its data file; nothing is
# imported from it) and python3 (>= 3.8, standard library only: csv, hashlib).
# SKLEARN_DATA may name another directory holding the same file; its sha256
# must still match, so a different copy aborts instead of changing the data.
# The Python helpers shared by these scripts are in data/lib/datasets.py (on PYTHONPATH).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" \
python3 - "$SKLEARN_DATA" "$HERE" <<'PY'
import os, sys
from datasets import csv_rows, fail, read_sklearn, sha256_hex, write_csv, write_manifest

src_dir, out_dir = sys.argv[1], sys.argv[2]
NAME = "iris"
SOURCE = "iris.csv"
SOURCE_SHA256 = "f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449"
HEADER = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]

rows = csv_rows(read_sklearn(NAME, src_dir, SOURCE, SOURCE_SHA256))
# The first line is not column names: row count, feature count, class names.
n_rows, n_features, *classes = rows[0]
n_rows, n_features = int(n_rows), int(n_features)
data = rows[1:]
if n_features != 4 or len(data) != n_rows or classes != ["setosa", "versicolor", "virginica"]:
    fail(NAME, f"unexpected first line {rows[0]} for {len(data)} rows")

body = []
counts = [0] * len(classes)
for i, r in enumerate(data, start=2):
    if len(r) != n_features + 1:
        fail(NAME, f"line {i}: {len(r)} cells")
    label = int(r[-1])
    counts[label] += 1
    body.append(r[:-1] + [classes[label]])   # feature cells copied as text, unchanged
out = write_csv(NAME, os.path.join(out_dir, "iris.csv"), HEADER, body)

manifest = f"""Iris data, scikit-learn's copy (see NOTICE)

source package: python3-sklearn 1.2.1+dfsg-1 (Debian)
source file:    /usr/lib/python3/dist-packages/sklearn/datasets/data/{SOURCE}
source sha256:  {SOURCE_SHA256}

columns: {",".join(HEADER)}
classes: {", ".join(f"{c} {n}" for c, n in zip(classes, counts))}

file          rows     bytes
iris.csv     {len(data):5d} {len(out):9d}

sha256:
{sha256_hex(out)}  iris.csv
"""
write_manifest(out_dir, manifest)
PY
