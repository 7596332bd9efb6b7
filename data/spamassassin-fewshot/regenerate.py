"""Writes train-8-per-class.jsonl.gz: the first 8 ham and the first 8 spam emails of
data/spamassassin/train.jsonl.gz, in the file's order, and MANIFEST.txt (see NOTICE).

Usage: python3 regenerate.py SOURCE_DIR OUT_DIR
Standard library only; deterministic (gzip mtime 0, no file name): byte-identical on every run.
"""
import gzip
import hashlib
import io
import json
import sys

PER_CLASS = 8
CLASSES = ("ham", "spam")
# data/spamassassin/train.jsonl.gz as committed: another file would give other emails
SOURCE_SHA256 = "70aef56dba14b5c2b8843624041d6a68184ec6284fdf4b0f778df1c57429843c"


def main():
    source_dir, out_dir = sys.argv[1], sys.argv[2]
    raw = open(f"{source_dir}/train.jsonl.gz", "rb").read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{source_dir}/train.jsonl.gz has sha256 {digest}, not {SOURCE_SHA256}")
    picked = {c: [] for c in CLASSES}
    read = 0
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if all(len(v) == PER_CLASS for v in picked.values()):
            break
        read += 1
        row = json.loads(line)
        if len(picked[row["label"]]) < PER_CLASS:
            picked[row["label"]].append((read, line))
    lines = sorted(picked["ham"] + picked["spam"])  # file order
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        for _, line in lines:
            gz.write((line + "\n").encode("utf-8"))
    data = buf.getvalue()
    with open(f"{out_dir}/train-8-per-class.jsonl.gz", "wb") as f:
        f.write(data)
    with open(f"{out_dir}/MANIFEST.txt", "w", encoding="utf-8") as f:
        f.write("The first 8 ham and the first 8 spam training emails of data/spamassassin (see NOTICE)\n\n")
        f.write(f"source: data/spamassassin/train.jsonl.gz sha256 {digest}\n")
        f.write(f"lines read from the source: {read} (the source's line numbers kept below)\n\n")
        f.write("line  label  id\n")
        for n, line in lines:
            row = json.loads(line)
            f.write(f"{n:4d}  {row['label']:5s}  {row['id']}\n")
        f.write(f"\ntrain-8-per-class.jsonl.gz  {len(lines)} emails  {len(data)} bytes  "
                f"sha256 {hashlib.sha256(data).hexdigest()}\n")


if __name__ == "__main__":
    main()
