#!/usr/bin/env bash
# Regenerate data/diabetes/{diabetes,train,valid,test}.csv and MANIFEST.txt
# from scikit-learn's copy of the diabetes data of Efron et al. (2004), as
# shipped in the Debian package python3-sklearn (1.2.1+dfsg-1):
# sklearn/datasets/data/diabetes_data_raw.csv.gz (the unscaled features) and
# sklearn/datasets/data/diabetes_target.csv.gz.
#
# Usage (from the repository root):  bash data/diabetes/regenerate.sh
# Needs: the apt package python3-sklearn (only for its data files; nothing is
# imported from it) and python3 (>= 3.8, standard library only: csv, gzip,
# hashlib, random).
# SKLEARN_DATA may name another directory holding the same files; their sha256
# must still match, so a different copy aborts instead of changing the data.
# The Python helpers shared by these scripts are in data/lib/datasets.py (on PYTHONPATH).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" \
python3 - "$SKLEARN_DATA" "$HERE" <<'PY'
import gzip, os, sys
from datasets import (csv_rows, fail, read_sklearn, seeded_split, sha256_hex, sha256_lines,
                      split_rows_text, write_csv, write_manifest)

src_dir, out_dir = sys.argv[1], sys.argv[2]
NAME = "diabetes"
SOURCES = {
    "diabetes_data_raw.csv.gz": "fc08fc59c1cbfe65550d9ebb36321d505de9e8f004bf92c1566d2908962f08ff",
    "diabetes_target.csv.gz": "bf1ddd1f9d377278450a5f02c24b5e77b1501f2ad673fe9fdf4c4090d27eb5cc",
}
# Names as in sklearn/datasets/descr/diabetes.rst (and load_diabetes).
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
TARGET = "progression"
SEED = 20261129
N_TEST, N_VALID = 72, 70

def read(name):
    text = gzip.decompress(read_sklearn(NAME, src_dir, name, SOURCES[name]))
    return csv_rows(text, delimiter=" "), sha256_hex(text)

features, features_text_sha = read("diabetes_data_raw.csv.gz")
targets, targets_text_sha = read("diabetes_target.csv.gz")
if len(features) != 442 or len(targets) != 442:
    fail(NAME, f"{len(features)} feature rows and {len(targets)} target rows, expected 442")
rows = []
for i, (f, t) in enumerate(zip(features, targets), start=1):
    if len(f) != len(FEATURES) or len(t) != 1 or "" in f or t[0] == "":
        fail(NAME, f"line {i}: {len(f)} feature cells, {len(t)} target cells")
    rows.append(f + t)   # cells copied as text, unchanged

# Seeded split: shuffle the row indices, take test, then valid, train is the
# rest; each split keeps source order.
splits = seeded_split(range(len(rows)), SEED, N_TEST, N_VALID)

files = {"diabetes.csv": range(len(rows))}   # file name -> its rows
files.update((s + ".csv", splits[s]) for s in ("train", "valid", "test"))
written = {n: write_csv(NAME, os.path.join(out_dir, n), FEATURES + [TARGET], (rows[i] for i in idx))
           for n, idx in files.items()}

table = "\n".join(f"{n:<14}{len(files[n]):5d} {len(b):9d}" for n, b in written.items())
sums = sha256_lines(written.items())
rows_text = split_rows_text(splits, "1-based line numbers in the source files", lambda i: i + 1)
manifest = f"""Diabetes data (Efron et al. 2004), scikit-learn's raw copy (see NOTICE)

source package: python3-sklearn 1.2.1+dfsg-1 (Debian)
source files:   /usr/lib/python3/dist-packages/sklearn/datasets/data/
  diabetes_data_raw.csv.gz  sha256 {SOURCES["diabetes_data_raw.csv.gz"]}
                            (decompressed {features_text_sha})
  diabetes_target.csv.gz    sha256 {SOURCES["diabetes_target.csv.gz"]}
                            (decompressed {targets_text_sha})

columns: {",".join(FEATURES + [TARGET])}
split seed {SEED} (random.Random(seed).shuffle of the row indices);
test the first {N_TEST}, valid the next {N_VALID}, train the rest; source order kept

file          rows     bytes
{table}

sha256:
{sums}

{rows_text}"""
write_manifest(out_dir, manifest)
PY
