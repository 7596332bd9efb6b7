#!/usr/bin/env bash
# Regenerate data/digits-images/{train,valid,test}/<digit>/<line>.png and MANIFEST.txt from
# scikit-learn's copy of the UCI optical recognition of handwritten digits data (all 1,797 8x8
# images, digits 0-9), as shipped in the Debian package python3-sklearn (1.2.1+dfsg-1):
# sklearn/datasets/data/digits.csv.gz. Each image becomes an 8x8 8-bit grayscale PNG with
# pixel = round(v * 255 / 16) of the source's intensity v in 0..16; the split is a seeded
# shuffle: 600 images to test, 197 to valid, the other 1,000 to train.
#
# Usage (from the repository root):  bash data/digits-images/regenerate.sh
# Needs: the apt package python3-sklearn (only for its data file; nothing is imported from it)
# and python3 (>= 3.8, standard library only: csv, gzip, hashlib, random, struct, zlib; no PIL,
# no numpy). SKLEARN_DATA may name another directory holding the same file; its sha256 must
# still match. PYTHON may name another interpreter (default /usr/bin/python3).
# Deletes data/digits-images/{train,valid,test} (once the source is verified) and rewrites them.
# The Python helpers shared by these scripts are in data/lib/datasets.py (on PYTHONPATH).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"
PYTHON="${PYTHON:-/usr/bin/python3}"

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" - "$SKLEARN_DATA" "$HERE" <<'PY'
import sys
from datasets import DIGITS_SHA256 as SOURCE_SHA256, DIGITS_SOURCE as SOURCE
from datasets import (fail, image_counts, image_folder_sums, read_sklearn_digits, seeded_split,
                      write_image_folder, write_manifest)

src_dir, out_dir = sys.argv[1], sys.argv[2]
NAME = "digits-images"
SEED = 20261201
N_TEST, N_VALID = 600, 197
SIZE = 8
SPLITS = ("train", "valid", "test")

rows = read_sklearn_digits(NAME, src_dir)
INTENSITIES = {str(v): v for v in range(17)}
DIGITS = {str(d): d for d in range(10)}
for n, r in enumerate(rows):
    if any(c not in INTENSITIES for c in r[:64]) or r[64] not in DIGITS:
        fail(NAME, f"line {n}: expected 64 whole numbers 0-16 and a digit 0-9")

# pixel = round(v * 255 / 16), in integers: floor(v * 255 / 16 + 1/2). The only half-way case
# is v = 8 (127.5), which becomes 128 (round half up; Python's round-half-even gives 128 too).
def to_pixel(v):
    return (v * 255 * 2 + 16) // 32

images = [(DIGITS[r[64]], bytes(to_pixel(INTENSITIES[c]) for c in r[:64])) for r in rows]
N = len(images)

split_of = {i: s for s, idx in seeded_split(range(N), SEED, N_TEST, N_VALID).items() for i in idx}
# relative path -> (split, digit, bytes, pixels); the split folders are owned by this script
files = write_image_folder(out_dir, SPLITS, range(10), SIZE,
                           ((split_of[i], d, f"{i:04d}", pixels)
                            for i, (d, pixels) in enumerate(images)))
listing_sha256, pixels_sha256 = image_folder_sums(files)
count, nbytes = image_counts(files, SPLITS, range(10))

def row(label, split_names):
    c = [sum(count[s, d] for s in split_names) for d in range(10)]
    b = sum(nbytes[s] for s in split_names)
    return f"{label:<6}" + "".join(f"{x:5d}" for x in c) + f"{sum(c):7d}{b:9d}"

table = "\n".join([
    "split " + "".join(f"{d:5d}" for d in range(10)) + "  total    bytes",
    row("train", ["train"]),
    row("valid", ["valid"]),
    row("test", ["test"]),
    row("all", SPLITS),
])
mapping = (", ".join(f"{v}->{to_pixel(v)}" for v in range(9)) + ",\n  "
           + ", ".join(f"{v}->{to_pixel(v)}" for v in range(9, 17)))

manifest = f"""All 1797 UCI handwritten digits (8x8), scikit-learn's copy, as grayscale PNGs (see NOTICE)

source package: python3-sklearn 1.2.1+dfsg-1 (Debian)
source file:    /usr/lib/python3/dist-packages/sklearn/datasets/data/{SOURCE}
source sha256:  {SOURCE_SHA256}

images: {N}, 8x8; file <split>/<digit>/<line>.png, line = 0-based source line number
(4 digits, zero-padded), digit = the source's last column
pixel = round(v * 255 / 16) of the source's intensity v (0-16), half up:
  {mapping}
PNG: 8-bit grayscale (colour type 0), one IDAT (zlib level 9), filter type 0 on every row,
no ancillary chunks
split seed {SEED} (random.Random(seed).shuffle of the line numbers 0..{N - 1});
test the first {N_TEST}, valid the next {N_VALID}, train the other {N - N_TEST - N_VALID}; not stratified

images per split and digit:
{table}

sha256 of the listing of all {N} PNG files (sha256sum format, "<sha256>  <path>" per line,
paths such as test/0/0010.png in byte order), as given by
  cd data/digits-images && find train valid test -name '*.png' | LC_ALL=C sort | xargs sha256sum | sha256sum
{listing_sha256}

sha256 of the decoded pixels (the 64 pixel bytes of every PNG, row by row, concatenated in the
same path order; independent of the zlib version that compressed the PNGs):
{pixels_sha256}
"""
write_manifest(out_dir, manifest)
print(f"regenerate digits-images: wrote {N} PNGs (train {N - N_TEST - N_VALID}, valid {N_VALID}, "
      f"test {N_TEST}) and MANIFEST.txt", file=sys.stderr)
PY
