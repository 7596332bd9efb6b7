"""Helpers shared by the data/*/regenerate.sh scripts: python3 (>= 3.8), standard library only.

The scripts import this module with PYTHONPATH="$HERE/../lib" (see any data/<set>/regenerate.sh).
Every helper writes exactly the bytes the scripts wrote when each carried its own copy, so a
rerun still reproduces the committed files byte for byte:
  - CSV: csv.writer with QUOTE_MINIMAL and LF line ends, ASCII; a cell that would need quoting
    aborts the run (the sources' cells are all written exactly as they are in the source);
  - MANIFEST.txt: ASCII text with LF line ends;
  - PNG: 8-bit grayscale (colour type 0), IHDR, one IDAT (zlib level 9), IEND; filter type 0 on
    every row, no ancillary chunks;
  - JSON lines and BEIR-layout retrieval splits (data/spam-subjects, data/debian-descriptions):
    UTF-8, LF line ends, gzip (when asked) with mtime 0 and no file name.
"""
import csv
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import struct
import sys
import zlib

SKLEARN_HINT = "install the apt package python3-sklearn"
# python3-sklearn's copy of the UCI optical recognition of handwritten digits data (8x8), read by
# data/digits and data/digits-images: one row of 64 intensities 0-16 and the digit per image.
DIGITS_SOURCE = "digits.csv.gz"
DIGITS_SHA256 = "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a"


def fail(prefix, msg):
    """Stop the run: prints "regenerate <prefix>: <msg>" to stderr and exits with status 1."""
    sys.exit(f"regenerate {prefix}: {msg}")


def sha256_hex(data):
    """The sha256 of bytes, as 64 lower-case hex digits."""
    return hashlib.sha256(data).hexdigest()


def read_checked(prefix, path, sha256, hint=None):
    """The bytes of the file at path, once their sha256 is the expected one; otherwise fail(),
    adding hint (such as SKLEARN_HINT) to the message when the file cannot be read."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        fail(prefix, f"cannot read {path} ({e.strerror})" + (f"; {hint}" if hint else ""))
    digest = sha256_hex(raw)
    if digest != sha256:
        fail(prefix, f"{path}: sha256 {digest}, expected {sha256}")
    return raw


def read_sklearn(prefix, src_dir, name, sha256):
    """read_checked() of src_dir/name, a file of the apt package python3-sklearn."""
    return read_checked(prefix, os.path.join(src_dir, name), sha256, SKLEARN_HINT)


def read_sklearn_digits(prefix, src_dir):
    """The rows of src_dir/DIGITS_SOURCE (checked: sha256, 1797 rows of 65 cells), cells as text."""
    rows = csv_rows(gzip.decompress(read_sklearn(prefix, src_dir, DIGITS_SOURCE, DIGITS_SHA256)))
    if len(rows) != 1797 or any(len(r) != 65 for r in rows):
        fail(prefix, f"expected 1797 rows of 65 cells, got {len(rows)}")
    return rows


def csv_rows(data, delimiter=","):
    """The rows of an ASCII CSV text given as bytes, every cell as text."""
    return list(csv.reader(io.StringIO(data.decode("ascii"), newline=""), delimiter=delimiter))


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def write_csv(prefix, path, header, rows):
    """Writes the header row and then rows (cells as given) to path as CSV, LF line ends; returns
    the bytes written. Fails, writing nothing, when a cell would need quoting."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    out = buf.getvalue().encode("ascii")
    if b'"' in out:
        fail(prefix, "a cell needed quoting")
    write_bytes(path, out)
    return out


def write_manifest(out_dir, text):
    """Writes text as out_dir/MANIFEST.txt: ASCII, LF line ends."""
    with open(os.path.join(out_dir, "MANIFEST.txt"), "w", newline="\n", encoding="ascii") as f:
        f.write(text)


def sha256_lines(named):
    """sha256sum-style lines "<sha256>  <name>" for (name, bytes) pairs, joined by newlines."""
    return "\n".join(f"{sha256_hex(data)}  {name}" for name, data in named)


def seeded_split(indices, seed, n_test, n_valid=0):
    """Shuffles a copy of indices with random.Random(seed).shuffle; the first n_test go to test,
    the next n_valid to valid, the rest to train. Returns {"train": [...], "valid": [...],
    "test": [...]}, each keeping the order of indices."""
    indices = list(indices)
    order = list(indices)
    random.Random(seed).shuffle(order)
    test, valid = set(order[:n_test]), set(order[n_test:n_test + n_valid])
    splits = {"train": [], "valid": [], "test": []}
    for i in indices:
        splits["test" if i in test else "valid" if i in valid else "train"].append(i)
    return splits


def wrap_numbers(numbers, per_line=15):
    """Numbers as lines of per_line, each indented by two spaces."""
    nums = [str(n) for n in numbers]
    return "\n".join("  " + " ".join(nums[k:k + per_line]) for k in range(0, len(nums), per_line))


def split_rows_text(splits, what, line_number):
    """The MANIFEST lines that list the source rows of valid.csv and test.csv, as line numbers
    line_number(i) described by what, and count the rows of train.csv."""
    def rows(name):
        return wrap_numbers(line_number(i) for i in splits[name])
    return (f"source rows ({what}) in valid.csv:\n{rows('valid')}\n"
            f"in test.csv:\n{rows('test')}\n"
            f"train.csv holds the other {len(splits['train'])}.\n")


def png_gray(width, height, pixels):
    """8-bit grayscale PNG (colour type 0): IHDR, one IDAT, IEND; filter type 0 on every row."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + pixels[r * width:(r + 1) * width] for r in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def write_png_gray(path, width, height, pixels):
    """Writes png_gray(width, height, pixels) to path; returns its bytes."""
    out = png_gray(width, height, pixels)
    write_bytes(path, out)
    return out


def write_image_folder(out_dir, splits, labels, size, images):
    """Deletes out_dir/<split> for each of splits (folders owned by the calling script), makes
    <split>/<label> for each of labels, and writes each (split, label, stem, pixels) of images as
    the size x size PNG <split>/<label>/<stem>.png. Returns {relative path: (split, label, PNG
    bytes, pixels)} in the order written."""
    for split in splits:
        shutil.rmtree(os.path.join(out_dir, split), ignore_errors=True)
        for label in labels:
            os.makedirs(os.path.join(out_dir, split, str(label)))
    files = {}
    for split, label, stem, pixels in images:
        rel = f"{split}/{label}/{stem}.png"
        files[rel] = (split, label, write_png_gray(os.path.join(out_dir, rel), size, size, pixels),
                      pixels)
    return files


def image_folder_sums(files):
    """For write_image_folder()'s files: the sha256 of their sha256sum listing ("<sha256>  <path>\n"
    per file, paths in byte order, as `find ... | LC_ALL=C sort | xargs sha256sum | sha256sum`
    prints it), and the sha256 of all their pixels concatenated in the same path order."""
    paths = sorted(files)
    listing = "".join(f"{sha256_hex(files[p][2])}  {p}\n" for p in paths)
    return sha256_hex(listing.encode("ascii")), sha256_hex(b"".join(files[p][3] for p in paths))


def image_counts(files, splits, labels):
    """For write_image_folder()'s files: {(split, label): images} and {split: PNG bytes}."""
    count = {(s, d): 0 for s in splits for d in labels}
    nbytes = {s: 0 for s in splits}
    for split, d, out, _ in files.values():
        count[split, d] += 1
        nbytes[split] += len(out)
    return count, nbytes


def jsonl_bytes(objects, gz=False):
    """JSON lines of objects (json.dumps, ensure_ascii=False, keys in the order given), UTF-8, LF
    after every line; gzip-compressed when gz, deterministically (level 9, mtime 0, no file name
    in the header, as data/spamassassin writes its files)."""
    data = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")
    if not gz:
        return data
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def write_ir_split(prefix, split_dir, queries, corpus, qrels, gz_corpus=False):
    """Writes an information-retrieval split in BEIR's layout to split_dir (made if missing):
    queries.jsonl ({"_id", "text"} per (id, text) of queries), corpus.jsonl or, when gz_corpus,
    corpus.jsonl.gz ({"_id", "title", "text"} per (id, title, text) of corpus), and qrels.tsv
    (header "query-id<TAB>corpus-id<TAB>score", then one row per (query id, document id, score)
    of qrels). Fails when an id is empty or holds a tab or a line break, or is used twice in its
    file. Returns {file name: bytes written}, in the order written."""
    for what, ids in (("query", [q[0] for q in queries]), ("document", [d[0] for d in corpus])):
        if len(set(ids)) != len(ids):
            fail(prefix, f"a {what} id is used twice in {split_dir}")
        for i in ids:
            if not i or any(c in i for c in "\t\r\n"):
                fail(prefix, f"bad {what} id {i!r}")
    os.makedirs(split_dir, exist_ok=True)
    files = {
        "queries.jsonl": jsonl_bytes({"_id": i, "text": t} for i, t in queries),
        "corpus.jsonl" + (".gz" if gz_corpus else ""):
            jsonl_bytes(({"_id": i, "title": ti, "text": t} for i, ti, t in corpus), gz_corpus),
        "qrels.tsv": ("query-id\tcorpus-id\tscore\n"
                      + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in qrels)).encode("utf-8"),
    }
    for name, data in files.items():
        write_bytes(os.path.join(split_dir, name), data)
    return files
