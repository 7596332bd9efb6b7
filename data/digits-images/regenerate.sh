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
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKLEARN_DATA="${SKLEARN_DATA:-/usr/lib/python3/dist-packages/sklearn/datasets/data}"
PYTHON="${PYTHON:-/usr/bin/python3}"

"$PYTHON" - "$SKLEARN_DATA" "$HERE" <<'PY'
import csv, gzip, hashlib, io, os, random, shutil, struct, sys, zlib

src_dir, out_dir = sys.argv[1], sys.argv[2]
SOURCE = "digits.csv.gz"
SOURCE_SHA256 = "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a"
SEED = 20261201
N_TEST, N_VALID = 600, 197
SIZE = 8
SPLITS = ("train", "valid", "test")

def fail(msg):
    sys.exit("regenerate digits-images: " + msg)

path = os.path.join(src_dir, SOURCE)
try:
    raw = open(path, "rb").read()
except OSError as e:
    fail(f"cannot read {path} ({e.strerror}); install the apt package python3-sklearn")
digest = hashlib.sha256(raw).hexdigest()
if digest != SOURCE_SHA256:
    fail(f"{path}: sha256 {digest}, expected {SOURCE_SHA256}")
rows = list(csv.reader(io.StringIO(gzip.decompress(raw).decode("ascii"), newline="")))
if len(rows) != 1797 or any(len(r) != 65 for r in rows):
    fail(f"expected 1797 rows of 65 cells, got {len(rows)}")
INTENSITIES = {str(v): v for v in range(17)}
DIGITS = {str(d): d for d in range(10)}
for n, r in enumerate(rows):
    if any(c not in INTENSITIES for c in r[:64]) or r[64] not in DIGITS:
        fail(f"line {n}: expected 64 whole numbers 0-16 and a digit 0-9")

# pixel = round(v * 255 / 16), in integers: floor(v * 255 / 16 + 1/2). The only half-way case
# is v = 8 (127.5), which becomes 128 (round half up; Python's round-half-even gives 128 too).
def to_pixel(v):
    return (v * 255 * 2 + 16) // 32

images = [(DIGITS[r[64]], bytes(to_pixel(INTENSITIES[c]) for c in r[:64])) for r in rows]
N = len(images)

order = list(range(N))
random.Random(SEED).shuffle(order)
test, valid = set(order[:N_TEST]), set(order[N_TEST:N_TEST + N_VALID])

def png(width, height, pixels):
    """8-bit grayscale PNG (colour type 0): IHDR, one IDAT, IEND; filter type 0 on every row."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + pixels[r * width:(r + 1) * width] for r in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))

for split in SPLITS:  # the split folders are owned by this script
    shutil.rmtree(os.path.join(out_dir, split), ignore_errors=True)
    for d in range(10):
        os.makedirs(os.path.join(out_dir, split, str(d)))

files = {}           # relative path -> (split, digit, bytes, pixels)
for i, (d, pixels) in enumerate(images):
    split = "test" if i in test else "valid" if i in valid else "train"
    rel = f"{split}/{d}/{i:04d}.png"
    out = png(SIZE, SIZE, pixels)
    with open(os.path.join(out_dir, rel), "wb") as f:
        f.write(out)
    files[rel] = (split, d, out, pixels)

paths = sorted(files)  # byte order, as `LC_ALL=C sort`
listing = "".join(f"{hashlib.sha256(files[p][2]).hexdigest()}  {p}\n" for p in paths)
listing_sha256 = hashlib.sha256(listing.encode("ascii")).hexdigest()
pixels_sha256 = hashlib.sha256(b"".join(files[p][3] for p in paths)).hexdigest()

count = {(s, d): 0 for s in SPLITS for d in range(10)}
nbytes = {s: 0 for s in SPLITS}
for split, d, out, _ in files.values():
    count[split, d] += 1
    nbytes[split] += len(out)

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
with open(os.path.join(out_dir, "MANIFEST.txt"), "w", newline="\n", encoding="ascii") as f:
    f.write(manifest)
print(f"regenerate digits-images: wrote {N} PNGs (train {N - N_TEST - N_VALID}, valid {N_VALID}, "
      f"test {N_TEST}) and MANIFEST.txt", file=sys.stderr)
PY
