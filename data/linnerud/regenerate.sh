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
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"

python3 - "$SKLEARN_DATA" "$HERE" <<'PY'
import csv, hashlib, io, os, sys

src_dir, out_dir = sys.argv[1], sys.argv[2]
SOURCES = {
    "linnerud_exercise.csv": "cb8d8c24937643fa2459682efb86c5e667bcd6dd93109eef81964d9e9f11bf8c",
    "linnerud_physiological.csv": "2bf7e05c1cd7d0adf0eca1e456941f624bed0a4fc96694d60d0ff7853ec5fcf7",
}
HEADERS = {
    "linnerud_exercise.csv": ["Chins", "Situps", "Jumps"],
    "linnerud_physiological.csv": ["Weight", "Waist", "Pulse"],
}

def fail(msg):
    sys.exit("regenerate linnerud: " + msg)

def read(name):
    path = os.path.join(src_dir, name)
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        fail(f"cannot read {path} ({e.strerror}); install the apt package python3-sklearn")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCES[name]:
        fail(f"{path}: sha256 {digest}, expected {SOURCES[name]}")
    rows = list(csv.reader(io.StringIO(raw.decode("ascii"), newline=""), delimiter=" "))
    if rows[0] != HEADERS[name] or len(rows) != 21:
        fail(f"{name}: header {rows[0]}, {len(rows) - 1} rows")
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != 3 or "" in r:
            fail(f"{name} line {i}: {r}")
    return rows

exercise = read("linnerud_exercise.csv")
physiological = read("linnerud_physiological.csv")

buf = io.StringIO(newline="")
w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
for e, p in zip(exercise, physiological):   # header first, then row by row
    w.writerow(e + p)                       # cells copied as text, unchanged
out = buf.getvalue().encode("ascii")
if b'"' in out:
    fail("a cell needed quoting")
with open(os.path.join(out_dir, "linnerud.csv"), "wb") as f:
    f.write(out)

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
{hashlib.sha256(out).hexdigest()}  linnerud.csv
"""
with open(os.path.join(out_dir, "MANIFEST.txt"), "w", newline="\n", encoding="ascii") as f:
    f.write(manifest)
PY
