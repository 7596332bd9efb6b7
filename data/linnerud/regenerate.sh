#!/usr/bin/env bash
# Regenerate data/linnerud/linnerud.csv and MANIFEST.txt from scikit-learn's
# copy of the Linnerud data, as shipped in the Debian package python3-sklearn
# (1.2.1+dfsg-1): sklearn/datasets/data/linnerud_exercise.csv and
# sklearn/datasets/data/linnerud_physiological.csv.
#
# Usage (from the repository root):  bash data/linnerud/regenerate.sh
# Needs: the apt package python3-sklearn (only for its data files; nothing is
# imported from it) and python3 (>= 3.8, standard library only: csv, hashlib).
# SKLEARN_DATA may name another directory holding the same files; their sha256
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
NAME = "linnerud"
SOURCES = {
    "linnerud_exercise.csv": "cb8d8c24937643fa2459682efb86c5e667bcd6dd93109eef81964d9e9f11bf8c",
    "linnerud_physiological.csv": "2bf7e05c1cd7d0adf0eca1e456941f624bed0a4fc96694d60d0ff7853ec5fcf7",
}
HEADERS = {
    "linnerud_exercise.csv": ["Chins", "Situps", "Jumps"],
    "linnerud_physiological.csv": ["Weight", "Waist", "Pulse"],
}

def read(name):
    rows = csv_rows(read_sklearn(NAME, src_dir, name, SOURCES[name]), delimiter=" ")
    if rows[0] != HEADERS[name] or len(rows) != 21:
        fail(NAME, f"{name}: header {rows[0]}, {len(rows) - 1} rows")
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != 3 or "" in r:
            fail(NAME, f"{name} line {i}: {r}")
    return rows

exercise = read("linnerud_exercise.csv")
physiological = read("linnerud_physiological.csv")

# header first, then row by row; cells copied as text, unchanged
out = write_csv(NAME, os.path.join(out_dir, "linnerud.csv"), exercise[0] + physiological[0],
                (e + p for e, p in zip(exercise[1:], physiological[1:])))

manifest = f"""Linnerud data, scikit-learn's copy (see NOTICE)

source package: python3-sklearn 1.2.1+dfsg-1 (Debian)
source files:   /usr/lib/python3/dist-packages/sklearn/datasets/data/
  linnerud_exercise.csv       sha256 {SOURCES["linnerud_exercise.csv"]}
  linnerud_physiological.csv  sha256 {SOURCES["linnerud_physiological.csv"]}

columns: {",".join(exercise[0] + physiological[0])}
(exercise: Chins, Situps, Jumps; physiological: Weight, Waist, Pulse)

file            rows     bytes
linnerud.csv   {len(exercise) - 1:5d} {len(out):9d}

sha256:
{sha256_hex(out)}  linnerud.csv
"""
write_manifest(out_dir, manifest)
PY
