"""Builds data/debtags/{train,valid,test}.jsonl and MANIFEST.txt from Debian 12.15 (bookworm)'s
main/binary-amd64 Packages index (the debtags, field Tag) and main/i18n/Translation-en (the
descriptions, joined on Package and Description-md5). See NOTICE; run through regenerate.sh.

Usage: python3 regenerate.py PACKAGES TRANSLATION_EN OUT_DIR
  PACKAGES, TRANSLATION_EN: the index files, plain or compressed (.lz4 via lz4cat, .xz, .gz);
  their uncompressed sha256 must be the ones Debian 12.15's InRelease lists (pinned below).
Needs python3 (>= 3.8, standard library only) and, for .lz4 files, lz4cat.
Deterministic: the same inputs give byte-identical output files.
"""
import gzip
import hashlib
import json
import lzma
import os
import subprocess
import sys

# From http://deb.debian.org/debian/dists/bookworm/InRelease, "Debian 12.15 Released 11 July
# 2026" (Date: Sat, 11 Jul 2026 10:16:37 UTC), SHA256 section.
PACKAGES_SHA256 = "515e692f2c4121c6fcec444ef100cc18f79a991910615f3a88c8b7becfc94d2f"
PACKAGES_SIZE = 50060337
TRANSLATION_SHA256 = "62f59c3cdca9786e4f7adf9002f9f5729a684adcb4667e58e448dec9b5a46c7f"
TRANSLATION_SIZE = 32699363

# label -> debtag. What a package works with (its data) and what it is used for: both are
# stated in most descriptions ("an audio player", "converts images", "mail client"), so both are
# learnable from the text; together they give overlapping labels (e.g. text + converting,
# text + editing, image + viewing). The choice is argued in NOTICE.
LABELS = [
    ("text", "works-with::text"),
    ("audio", "works-with::audio"),
    ("image", "works-with::image"),
    ("mail", "works-with::mail"),
    ("db", "works-with::db"),
    ("gameplaying", "use::gameplaying"),
    ("converting", "use::converting"),
    ("editing", "use::editing"),
    ("viewing", "use::viewing"),
    ("monitor", "use::monitor"),
]
SIZES = [("train", 2000), ("valid", 500), ("test", 1000)]
MAX_CHARS = 400
SALT = "finetune4j-debtags"


def fail(msg):
    sys.exit("regenerate debtags: " + msg)


def read_index(path, sha256, size):
    """The uncompressed bytes of an index file, once their size and sha256 are the pinned ones."""
    try:
        if path.endswith(".lz4"):
            raw = subprocess.run(["lz4cat", path], check=True, capture_output=True).stdout
        elif path.endswith(".xz"):
            raw = lzma.decompress(open(path, "rb").read())
        elif path.endswith(".gz"):
            raw = gzip.decompress(open(path, "rb").read())
        else:
            raw = open(path, "rb").read()
    except (OSError, subprocess.CalledProcessError) as e:
        fail(f"cannot read {path} ({e})")
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) != size or digest != sha256:
        fail(f"{path}: {len(raw)} bytes, sha256 {digest}; expected {size} bytes, sha256 {sha256}"
             " (not Debian 12.15's index: see NOTICE)")
    return raw.decode("utf-8")


def stanzas(text):
    """The deb822 stanzas of an index: dicts of field -> value (continuation lines kept, with
    their leading space, after a newline)."""
    for block in text.split("\n\n"):
        fields = {}
        key = None
        for line in block.split("\n"):
            if not line:
                continue
            if line[0] in " \t":
                fields[key] += "\n" + line
            else:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            yield fields


def description_text(value):
    """A Description-en value as text: the short description, then the long one's paragraphs
    (lines joined by single spaces; a " ." line separates paragraphs, written as a newline),
    whitespace squeezed, cut to MAX_CHARS at the last space before it."""
    lines = value.split("\n")
    paragraphs = [lines[0].strip()]
    current = []
    for line in lines[1:]:
        line = line.strip()
        if line == ".":
            if current:
                paragraphs.append(" ".join(current))
            current = []
        else:
            current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    text = "\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
    if len(text) > MAX_CHARS:
        cut = text.rfind(" ", 0, MAX_CHARS + 1)
        text = text[: cut if cut > 0 else MAX_CHARS].rstrip()
    return text


def h(kind, name):
    return hashlib.sha256(f"{SALT}:{kind}:{name}".encode("utf-8")).hexdigest()


def main(packages_path, translation_path, out_dir):
    packages = read_index(packages_path, PACKAGES_SHA256, PACKAGES_SIZE)
    translation = read_index(translation_path, TRANSLATION_SHA256, TRANSLATION_SIZE)
    descriptions = {}
    for f in stanzas(translation):
        descriptions[(f["Package"], f["Description-md5"])] = f["Description-en"]

    read = tagged = 0
    candidates = []  # (package, source, description md5, labels)
    for f in stanzas(packages):
        read += 1
        tags = {t.strip() for t in f.get("Tag", "").replace("\n", " ").split(",") if t.strip()}
        if tags:
            tagged += 1
        labels = [name for name, tag in LABELS if tag in tags]
        if not labels:
            continue
        source = f.get("Source", f["Package"]).split(" ")[0]
        candidates.append((f["Package"], source, f["Description-md5"], labels))
    candidates.sort()  # by package name (one stanza per package in this index)

    # one example per description: the first package (by name) of those sharing a description
    # md5, then of those sharing the text after cutting
    seen_md5 = set()
    seen_text = set()
    examples = []
    dropped_md5 = dropped_text = 0
    for package, source, md5, labels in candidates:
        if md5 in seen_md5:
            dropped_md5 += 1
            continue
        seen_md5.add(md5)
        key = (package, md5)
        if key not in descriptions:
            fail(f"no Translation-en description for {package} ({md5})")
        text = description_text(descriptions[key])
        if text in seen_text:
            dropped_text += 1
            continue
        seen_text.add(text)
        examples.append({"id": package, "source": source, "text": text, "labels": labels})

    # split by source package (binary packages of one source share wording): sha256 mod 7,
    # 4/7 train, 1/7 valid, 2/7 test; each split then ordered by a hash of the package name and
    # cut to its size
    buckets = {"train": [], "valid": [], "test": []}
    for e in examples:
        r = int(h("split", e["source"]), 16) % 7
        buckets["train" if r < 4 else "valid" if r == 4 else "test"].append(e)
    out = {}
    for name, size in SIZES:
        b = sorted(buckets[name], key=lambda e: h("order", e["id"]))
        if len(b) < size:
            fail(f"{name}: only {len(b)} examples for {size}")
        out[name] = b[:size]

    sums = {}
    nbytes = {}
    for name, _ in SIZES:
        lines = [
            json.dumps({"id": e["id"], "text": e["text"], "labels": e["labels"]},
                       ensure_ascii=False)
            for e in out[name]
        ]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with open(os.path.join(out_dir, name + ".jsonl"), "wb") as fh:
            fh.write(data)
        sums[name] = hashlib.sha256(data).hexdigest()
        nbytes[name] = len(data)

    def freq_table():
        rows = [f"{'label':<12} {'debtag':<20}" + "".join(f"{n:>15}" for n, _ in SIZES)]
        for label, tag in LABELS:
            cells = ""
            for n, size in SIZES:
                c = sum(label in e["labels"] for e in out[n])
                cells += f"{c:>7} {100 * c / size:5.1f} %"
            rows.append(f"{label:<12} {tag:<20}" + cells)
        cells = ""
        for n, size in SIZES:
            k = sum(len(e["labels"]) for e in out[n])
            cells += f"{k / size:>15.3f}"
        rows.append(f"{'labels/example':<33}" + cells)
        cells = ""
        for n, size in SIZES:
            k = sum(len(e["labels"]) > 1 for e in out[n])
            cells += f"{k:>7} {100 * k / size:5.1f} %"
        rows.append(f"{'2+ labels':<33}" + cells)
        return "\n".join(rows)

    manifest = f"""Debian package descriptions with debtags, Debian 12.15 main (see NOTICE)

Packages:       main/binary-amd64/Packages, {PACKAGES_SIZE} bytes, sha256 {PACKAGES_SHA256}
Translation-en: main/i18n/Translation-en, {TRANSLATION_SIZE} bytes, sha256 {TRANSLATION_SHA256}

stanzas read:                       {read}
with a Tag field:                   {tagged}
with at least one of the {len(LABELS)} labels: {len(candidates)}
dropped, description shared with a package earlier by name: {dropped_md5}
dropped, same text after the cut:                           {dropped_text}
examples:                           {len(examples)}
split by sha256("{SALT}:split:" + source package) mod 7 (0-3 train, 4 valid, 5-6 test):
  train {len(buckets['train'])}, valid {len(buckets['valid'])}, test {len(buckets['test'])}
each split ordered by sha256("{SALT}:order:" + package), the first {', '.join(f'{s} ({n})' for n, s in SIZES)} kept
text: short description, then the long description's paragraphs, one per line, cut to {MAX_CHARS} characters
fields: id (binary package name), text, labels (in the order of the table)

{freq_table()}

file          examples     bytes
""" + "".join(f"{n + '.jsonl':<12} {s:>9} {nbytes[n]:>9}\n" for n, s in SIZES) + """
sha256:
""" + "".join(f"{sums[n]}  {n}.jsonl\n" for n, _ in SIZES)
    with open(os.path.join(out_dir, "MANIFEST.txt"), "wb") as fh:
        fh.write(manifest.encode("ascii"))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        fail("usage: regenerate.py PACKAGES TRANSLATION_EN OUT_DIR")
    main(*sys.argv[1:])
