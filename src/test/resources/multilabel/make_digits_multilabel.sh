#!/usr/bin/env bash
# Regenerate src/test/resources/multilabel/digits-multilabel.csv, a small multi-label fixture:
# 300 images of scikit-learn's copy of the UCI optical recognition of handwritten digits data
# (8x8, intensities 0-16; Alpaydin 1998), as shipped in the Debian package python3-sklearn
# (1.2.1+dfsg-1, BSD-3-Clause, see data/digits/NOTICE): sklearn/datasets/data/digits.csv.gz.
# Columns: pixel_0_0 ... pixel_7_7 (copied as text), then three 0/1 labels of the digit d:
#   even            d in {0, 2, 4, 6, 8}
#   greater_than_4  d in {5, 6, 7, 8, 9}
#   prime           d in {2, 3, 5, 7}
# (the digit itself is not written). Rows: the 300 that random.Random(20261207).shuffle puts
# first among the 1797 row indices, in source order.
#
# Usage (from the repository root):  bash src/test/resources/multilabel/make_digits_multilabel.sh
# Needs: the apt package python3-sklearn (only for its data file) and python3 (>= 3.8, standard
# library only); the helpers of data/lib/datasets.py. Deterministic: byte-identical output.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/../../../../data/lib"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$LIB${PYTHONPATH:+:$PYTHONPATH}" \
python3 - "$SKLEARN_DATA" "$HERE" <<'PY'
import os, sys
from datasets import read_sklearn_digits, seeded_split, write_csv

src_dir, out_dir = sys.argv[1], sys.argv[2]
rows = read_sklearn_digits("multilabel fixture", src_dir)
picked = seeded_split(range(len(rows)), 20261207, 300)["test"]  # source order
HEADER = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)] + [
    "even", "greater_than_4", "prime"]


def labels(d):
    return [str(int(d % 2 == 0)), str(int(d > 4)), str(int(d in (2, 3, 5, 7)))]


write_csv("multilabel fixture", os.path.join(out_dir, "digits-multilabel.csv"), HEADER,
          (rows[i][:64] + labels(int(rows[i][64])) for i in picked))
PY
