#!/usr/bin/env bash
# Regenerate data/breast-cancer/{train,valid,test}.csv and MANIFEST.txt from scikit-learn's copy
# of the Wisconsin Diagnostic Breast Cancer (WDBC) data, as shipped in the Debian package
# python3-sklearn (1.2.1+dfsg-1): sklearn/datasets/data/breast_cancer.csv.
#
# Usage (from the repository root):  bash data/breast-cancer/regenerate.sh
# Needs: the apt package python3-sklearn (only for its data file; nothing is imported from it)
# and python3 (>= 3.8, standard library only: csv, hashlib, random).
# SKLEARN_DATA may name another directory holding the same file; its sha256 must still match,
# so a different copy aborts instead of changing the data.
# The Python helpers shared by these scripts are in data/lib/datasets.py (on PYTHONPATH).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" \
python3 - "$SKLEARN_DATA" "$HERE" <<'PY'
import os, sys
from datasets import (csv_rows, fail, read_sklearn, seeded_split, sha256_lines, split_rows_text,
                      write_csv, write_manifest)

src_dir, out_dir = sys.argv[1], sys.argv[2]
NAME = "breast-cancer"
SOURCE = "breast_cancer.csv"
SOURCE_SHA256 = "fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed"
SEED = 20261201
N_TEST, N_VALID = 114, 85
# load_breast_cancer().feature_names, as in sklearn/datasets/_base.py (1.2.1), in column order;
# the header uses them lower-cased with spaces as underscores ("mean radius" -> mean_radius).
SKLEARN_FEATURE_NAMES = [
    "mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
    "mean compactness", "mean concavity", "mean concave points", "mean symmetry",
    "mean fractal dimension",
    "radius error", "texture error", "perimeter error", "area error", "smoothness error",
    "compactness error", "concavity error", "concave points error", "symmetry error",
    "fractal dimension error",
    "worst radius", "worst texture", "worst perimeter", "worst area", "worst smoothness",
    "worst compactness", "worst concavity", "worst concave points", "worst symmetry",
    "worst fractal dimension",
]
FEATURES = [n.lower().replace(" ", "_") for n in SKLEARN_FEATURE_NAMES]
TARGET = "diagnosis"
HEADER = FEATURES + [TARGET]

lines = csv_rows(read_sklearn(NAME, src_dir, SOURCE, SOURCE_SHA256))
# The first line is not column names: row count, feature count, class names; scikit-learn's
# load_csv_data takes target_names from it, so target 0 = malignant, 1 = benign.
n_rows, n_features, *classes = lines[0]
n_rows, n_features = int(n_rows), int(n_features)
rows = lines[1:]
if (n_rows, n_features) != (569, 30) or len(rows) != n_rows or classes != ["malignant", "benign"]:
    fail(NAME, f"unexpected first line {lines[0]} for {len(rows)} rows")
for i, r in enumerate(rows):
    if len(r) != n_features + 1 or r[-1] not in ("0", "1"):
        fail(NAME, f"line {i + 2}: {len(r)} cells, class {r[-1]!r}")

splits = seeded_split(range(len(rows)), SEED, N_TEST, N_VALID)  # each split keeps source order

def write(name, indices):
    # feature cells copied as text, unchanged
    return write_csv(NAME, os.path.join(out_dir, name), HEADER,
                     (rows[i][:-1] + [classes[int(rows[i][-1])]] for i in indices))

written = {s: write(s + ".csv", splits[s]) for s in ("train", "valid", "test")}

def counts(indices):
    c = [0] * len(classes)
    for i in indices:
        c[int(rows[i][-1])] += 1
    return ", ".join(f"{k} {n}" for k, n in zip(classes, c))

columns = "\n".join("  " + ",".join(FEATURES[k:k + 10]) for k in range(0, 30, 10))
table = "\n".join(f"{s + '.csv':<12}{len(splits[s]):5d} {len(written[s]):9d}   {counts(splits[s])}"
                  for s in written)
sums = sha256_lines((s + ".csv", out) for s, out in written.items())
# row i is line i + 2 of the source file (its line 1 is the count line)
rows_text = split_rows_text(
    splits, "1-based line numbers in the source file; line 1 is its count line", lambda i: i + 2)
manifest = f"""Wisconsin Diagnostic Breast Cancer (WDBC) data, scikit-learn's copy (see NOTICE)

source package: python3-sklearn 1.2.1+dfsg-1 (Debian)
source file:    /usr/lib/python3/dist-packages/sklearn/datasets/data/{SOURCE}
source sha256:  {SOURCE_SHA256}

columns: the 30 features, in scikit-learn's order and names (snake_case), then {TARGET}
{columns}
classes: {counts(range(len(rows)))} (source target 0 = malignant, 1 = benign)
split seed {SEED} (random.Random(seed).shuffle of the row indices 0..{len(rows) - 1});
test the first {N_TEST}, valid the next {N_VALID}, train the rest; source order kept

file         rows     bytes   diagnosis
{table}

sha256:
{sums}

{rows_text}"""
write_manifest(out_dir, manifest)
PY
