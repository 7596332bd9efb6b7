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
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"

python3 - "$SKLEARN_DATA" "$HERE" <<'PY'
import csv, gzip, hashlib, io, os, random, sys

src_dir, out_dir = sys.argv[1], sys.argv[2]
SOURCES = {
    "diabetes_data_raw.csv.gz": "fc08fc59c1cbfe65550d9ebb36321d505de9e8f004bf92c1566d2908962f08ff",
    "diabetes_target.csv.gz": "bf1ddd1f9d377278450a5f02c24b5e77b1501f2ad673fe9fdf4c4090d27eb5cc",
}
# Names as in sklearn/datasets/descr/diabetes.rst (and load_diabetes).
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
TARGET = "progression"
SEED = 20261129
N_TEST, N_VALID = 72, 70

def fail(msg):
    sys.exit("regenerate diabetes: " + msg)

def read(name):
    path = os.path.join(src_dir, name)
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        fail(f"cannot read {path} ({e.strerror}); install the apt package python3-sklearn")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCES[name]:
        fail(f"{path}: sha256 {digest}, expected {SOURCES[name]}")
    text = gzip.decompress(raw)
    rows = list(csv.reader(io.StringIO(text.decode("ascii"), newline=""), delimiter=" "))
    return rows, hashlib.sha256(text).hexdigest()

features, features_text_sha = read("diabetes_data_raw.csv.gz")
targets, targets_text_sha = read("diabetes_target.csv.gz")
if len(features) != 442 or len(targets) != 442:
    fail(f"{len(features)} feature rows and {len(targets)} target rows, expected 442")
rows = []
for i, (f, t) in enumerate(zip(features, targets), start=1):
    if len(f) != len(FEATURES) or len(t) != 1 or "" in f or t[0] == "":
        fail(f"line {i}: {len(f)} feature cells, {len(t)} target cells")
    rows.append(f + t)   # cells copied as text, unchanged

# Seeded split: shuffle the row indices, take test, then valid, train is the
# rest; each split keeps source order.
order = list(range(len(rows)))
random.Random(SEED).shuffle(order)
splits = {
    "test": sorted(order[:N_TEST]),
    "valid": sorted(order[N_TEST:N_TEST + N_VALID]),
    "train": sorted(order[N_TEST + N_VALID:]),
}

def write(name, indices):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(FEATURES + [TARGET])
    for i in indices:
        w.writerow(rows[i])
    out = buf.getvalue().encode("ascii")
    if b'"' in out:
        fail("a cell needed quoting")
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(out)
    return len(indices), len(out), hashlib.sha256(out).hexdigest()

stats = {"diabetes.csv": write("diabetes.csv", range(len(rows)))}
for s in ("train", "valid", "test"):
    stats[s + ".csv"] = write(s + ".csv", splits[s])

def numbers(indices):
    line, lines = [], []
    for i in indices:
        line.append(str(i + 1))
        if len(line) == 15:
            lines.append("  " + " ".join(line))
            line = []
    if line:
        lines.append("  " + " ".join(line))
    return "\n".join(lines)

table = "\n".join(f"{n:<14}{r:5d} {b:9d}" for n, (r, b, _) in stats.items())
sums = "\n".join(f"{h}  {n}" for n, (_, _, h) in stats.items())
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

source rows (1-based line numbers in the source files) in valid.csv:
{numbers(splits["valid"])}
in test.csv:
{numbers(splits["test"])}
train.csv holds the other {len(splits["train"])}.
"""
with open(os.path.join(out_dir, "MANIFEST.txt"), "w", newline="\n", encoding="ascii") as f:
    f.write(manifest)
PY
