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
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"

python3 - "$SKLEARN_DATA" "$HERE" <<'PY'
import csv, hashlib, io, os, random, sys

src_dir, out_dir = sys.argv[1], sys.argv[2]
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

def fail(msg):
    sys.exit("regenerate breast-cancer: " + msg)

path = os.path.join(src_dir, SOURCE)
try:
    raw = open(path, "rb").read()
except OSError as e:
    fail(f"cannot read {path} ({e.strerror}); install the apt package python3-sklearn")
digest = hashlib.sha256(raw).hexdigest()
if digest != SOURCE_SHA256:
    fail(f"{path}: sha256 {digest}, expected {SOURCE_SHA256}")

lines = list(csv.reader(io.StringIO(raw.decode("ascii"), newline="")))
# The first line is not column names: row count, feature count, class names; scikit-learn's
# load_csv_data takes target_names from it, so target 0 = malignant, 1 = benign.
n_rows, n_features, *classes = lines[0]
n_rows, n_features = int(n_rows), int(n_features)
rows = lines[1:]
if (n_rows, n_features) != (569, 30) or len(rows) != n_rows or classes != ["malignant", "benign"]:
    fail(f"unexpected first line {lines[0]} for {len(rows)} rows")
for i, r in enumerate(rows):
    if len(r) != n_features + 1 or r[-1] not in ("0", "1"):
        fail(f"line {i + 2}: {len(r)} cells, class {r[-1]!r}")

order = list(range(len(rows)))
random.Random(SEED).shuffle(order)
test, valid = set(order[:N_TEST]), set(order[N_TEST:N_TEST + N_VALID])
splits = {"train": [], "valid": [], "test": []}
for i in range(len(rows)):  # each split keeps source order
    splits["test" if i in test else "valid" if i in valid else "train"].append(i)

def write(name, indices):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(HEADER)
    for i in indices:
        r = rows[i]
        w.writerow(r[:-1] + [classes[int(r[-1])]])  # feature cells copied as text, unchanged
    out = buf.getvalue().encode("ascii")
    if b'"' in out:
        fail("a cell needed quoting")
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(out)
    return len(out), hashlib.sha256(out).hexdigest()

stats = {s: write(s + ".csv", splits[s]) for s in ("train", "valid", "test")}

def counts(indices):
    c = [0] * len(classes)
    for i in indices:
        c[int(rows[i][-1])] += 1
    return ", ".join(f"{k} {n}" for k, n in zip(classes, c))

def numbers(indices):
    # 1-based line numbers of the source file (line 1 is the count line, so row i is line i + 2)
    nums = [str(i + 2) for i in indices]
    return "\n".join("  " + " ".join(nums[k:k + 15]) for k in range(0, len(nums), 15))

columns = "\n".join("  " + ",".join(FEATURES[k:k + 10]) for k in range(0, 30, 10))
table = "\n".join(f"{s + '.csv':<12}{len(splits[s]):5d} {stats[s][0]:9d}   {counts(splits[s])}"
                  for s in stats)
sums = "\n".join(f"{stats[s][1]}  {s}.csv" for s in stats)
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

source rows (1-based line numbers in the source file; line 1 is its count line) in valid.csv:
{numbers(splits["valid"])}
in test.csv:
{numbers(splits["test"])}
train.csv holds the other {len(splits["train"])}.
"""
with open(os.path.join(out_dir, "MANIFEST.txt"), "w", newline="\n", encoding="ascii") as f:
    f.write(manifest)
PY
