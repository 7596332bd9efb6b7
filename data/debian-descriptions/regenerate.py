"""Builds data/debian-descriptions (short description -> long description retrieval) from Debian
12.15 (bookworm)'s main/binary-amd64 Packages index (fields Package, Source, Section,
Description-md5) and main/i18n/Translation-en (Description-en): train.jsonl.gz ({"anchor",
"positive"} pairs), valid/ and test/ in BEIR's layout (queries.jsonl, corpus.jsonl.gz, qrels.tsv)
and MANIFEST.txt. See NOTICE; run through regenerate.sh.

Usage: python3 regenerate.py PACKAGES TRANSLATION_EN OUT_DIR
  PACKAGES, TRANSLATION_EN: the index files, plain or compressed (.lz4 via lz4cat, .xz, .gz); they
  must be the ones data/debtags reads (its regenerate.py pins their size and sha256, and its
  read_index() and stanzas() read them here too).
Needs python3 (>= 3.8, standard library only), data/lib on PYTHONPATH and, for .lz4, lz4cat.
Deterministic: the same inputs give byte-identical output files.
"""
import collections
import hashlib
import importlib.util
import os
import re
import sys

from datasets import fail as _fail
from datasets import jsonl_bytes, sha256_hex, write_bytes, write_ir_split, write_manifest

PREFIX = "debian-descriptions"
HERE = os.path.dirname(os.path.abspath(__file__))
SALT = "finetune4j-debian-descriptions"
QUERY_PREFIX = "q-"
MAX_CHARS = 1000
OPENING = 50
# cut from the candidates in sha256 order, in this order
SIZES = [("test queries", 1000), ("test distractors", 2000), ("valid queries", 300),
         ("valid distractors", 700), ("train", 5000)]

# Families whose descriptions are boilerplate or templated: (rule, test on package name, Section
# and the full Description-en). A package is counted under the first rule it matches.
FAMILIES = [
    ("transitional or dummy package",
     lambda n, s, d: s == "oldlibs" or re.search(r"\b(transitional|dummy)\b", d, re.I)),
    ("debug symbols (-dbg, -dbgsym)", lambda n, s, d: re.search(r"-dbg(sym)?$", n)),
    ("documentation (-doc, -docs, -doc-*)", lambda n, s, d: re.search(r"-docs?$|-doc-", n)),
    ("development files (-dev)", lambda n, s, d: n.endswith("-dev")),
    ("data files (-data)", lambda n, s, d: n.endswith("-data")),
    ("shared files (-common)", lambda n, s, d: n.endswith("-common")),
    ("Python (python-*, python3-*, pypy-*, pypy3-*)",
     lambda n, s, d: re.match(r"(python3?|pypy3?)-", n)),
    ("Perl (lib*-perl)", lambda n, s, d: re.match(r"lib.*-perl$", n)),
    ("Ruby (ruby-*)", lambda n, s, d: n.startswith("ruby-")),
    ("Go (golang-*)", lambda n, s, d: n.startswith("golang-")),
    ("Rust (librust-*)", lambda n, s, d: n.startswith("librust-")),
    ("Haskell (libghc-*, haskell-*)",
     lambda n, s, d: n.startswith("libghc-") or n.startswith("haskell-")),
    ("Node.js (node-*)", lambda n, s, d: n.startswith("node-")),
    ("OCaml (lib*-ocaml, lib*-ocaml-*)", lambda n, s, d: re.match(r"lib.*-ocaml(-|$)", n)),
    ("R (r-cran-*, r-bioc-*, r-other-*)", lambda n, s, d: re.match(r"r-(cran|bioc|other)-", n)),
    ("GObject introspection (gir1.2-*)", lambda n, s, d: n.startswith("gir1.2-")),
    ("language packs (*-l10n, *-i18n, *-l10n-*, *-i18n-*)",
     lambda n, s, d: re.search(r"-(l10n|i18n)(-|$)", n)),
    ("cross toolchains (*-cross)", lambda n, s, d: n.endswith("-cross")),
    ("installer tasks (task-*)", lambda n, s, d: n.startswith("task-")),
]


def fail(msg):
    _fail(PREFIX, msg)


def debtags_module():
    """data/debtags/regenerate.py, for its pinned index sizes and sums and its index readers."""
    path = os.path.join(HERE, "..", "debtags", "regenerate.py")
    spec = importlib.util.spec_from_file_location("debtags_regenerate", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except OSError as e:
        fail(f"cannot read {path} ({e.strerror})")
    return module


def squeeze(text):
    return " ".join(text.split())


def short_and_long(value):
    """A Description-en value as (short description, long description): the long one's
    paragraphs (lines joined by single spaces; a " ." line separates paragraphs), whitespace
    squeezed, one per line."""
    lines = value.split("\n")
    paragraphs = []
    current = []
    for line in lines[1:]:
        line = line.strip()
        if line == ".":
            paragraphs.append(" ".join(current))
            current = []
        else:
            current.append(line)
    paragraphs.append(" ".join(current))
    return squeeze(lines[0]), "\n".join(squeeze(p) for p in paragraphs if p.strip())


def cut(text):
    """The text cut to MAX_CHARS at the last space before it (as data/debtags cuts)."""
    if len(text) <= MAX_CHARS:
        return text
    at = text.rfind(" ", 0, MAX_CHARS + 1)
    return text[: at if at > 0 else MAX_CHARS].rstrip()


def h(kind, name):
    return hashlib.sha256(f"{SALT}:{kind}:{name}".encode("utf-8")).hexdigest()


def main(packages_path, translation_path, out_dir):
    debtags = debtags_module()
    packages = debtags.read_index(packages_path, debtags.PACKAGES_SHA256, debtags.PACKAGES_SIZE)
    translation = debtags.read_index(
        translation_path, debtags.TRANSLATION_SHA256, debtags.TRANSLATION_SIZE)
    descriptions = {}
    for f in debtags.stanzas(translation):
        descriptions[(f["Package"], f["Description-md5"])] = f["Description-en"]

    funnel = []  # (what, packages left) after each step
    counts = collections.Counter({name: 0 for name, _ in FAMILIES})
    candidates = []
    read = 0
    for f in debtags.stanzas(packages):
        read += 1
        name = f["Package"]
        key = (name, f["Description-md5"])
        if key not in descriptions:
            fail(f"no Translation-en description for {name} ({key[1]})")
        value = descriptions[key]
        rule = next((r for r, test in FAMILIES if test(name, f.get("Section", ""), value)), None)
        if rule is not None:
            counts[rule] += 1
            continue
        short, long = short_and_long(value)
        source = f.get("Source", name).split(" ")[0]
        candidates.append({"package": name, "source": source, "short": short, "long": long})
    candidates.sort(key=lambda c: c["package"])  # one stanza per package in this index
    funnel.append(("stanzas read", read))
    for rule, _ in FAMILIES:
        funnel.append((f"dropped, {rule}", counts[rule]))

    def keep(what, test):
        nonlocal candidates
        kept = [c for c in candidates if test(c)]
        funnel.append((f"dropped, {what}", len(candidates) - len(kept)))
        candidates = kept

    keep("no long description", lambda c: c["long"])
    shorts = collections.Counter(c["short"].lower() for c in candidates)
    keep("short description not unique (ignoring case; every copy)",
         lambda c: shorts[c["short"].lower()] == 1)
    keep("long description contains the short one (ignoring case)",
         lambda c: c["short"].lower() not in squeeze(c["long"]).lower())
    funnel.append(("left (packages)", len(candidates)))

    # one package per source package: the one named like its source, else the first by sha256
    by_source = collections.defaultdict(list)
    for c in candidates:
        by_source[c["source"]].append(c)
    chosen = set()
    for source, cs in by_source.items():
        named = [c for c in cs if c["package"] == source]
        chosen.add((named or sorted(cs, key=lambda c: h("order", c["package"])))[0]["package"])
    keep("another package of its source package kept", lambda c: c["package"] in chosen)
    # templated across source packages (language-pair data, language support, ROS, ...) and
    # identical descriptions: the long description's first paragraph, or its first OPENING
    # characters, is another candidate's too
    first = collections.Counter(c["long"].split("\n")[0] for c in candidates)
    opening = collections.Counter(c["long"][:OPENING] for c in candidates)
    keep(f"long description opens like another source's (first paragraph or {OPENING} characters; every copy)",
         lambda c: first[c["long"].split("\n")[0]] == 1 and opening[c["long"][:OPENING]] == 1)
    funnel.append(("candidates (one package per source package)", len(candidates)))
    for c in candidates:
        c["doc"] = cut(c["long"])
    if len({c["doc"] for c in candidates}) != len(candidates):
        fail("two documents are the same after the cut")

    ordered = sorted(candidates, key=lambda c: h("order", c["package"]))
    if len(ordered) < sum(n for _, n in SIZES):
        fail(f"only {len(ordered)} candidates for {sum(n for _, n in SIZES)}")
    parts = {}
    at = 0
    for what, n in SIZES:
        parts[what] = ordered[at: at + n]
        at += n

    files = {}
    train = parts["train"]
    data = jsonl_bytes(({"anchor": c["short"], "positive": c["doc"]} for c in train), True)
    write_bytes(os.path.join(out_dir, "train.jsonl.gz"), data)
    files["train.jsonl.gz"] = data
    corpus_sizes = {}
    for split in ("valid", "test"):
        queries = parts[f"{split} queries"]
        docs = sorted(queries + parts[f"{split} distractors"], key=lambda c: c["package"])
        corpus_sizes[split] = len(docs)
        written = write_ir_split(
            PREFIX, os.path.join(out_dir, split),
            [(QUERY_PREFIX + c["package"], c["short"]) for c in queries],
            [(c["package"], "", c["doc"]) for c in docs],
            [(QUERY_PREFIX + c["package"], c["package"], 1) for c in queries], True)
        for name, data in written.items():
            files[f"{split}/{name}"] = data

    n_cut = sum(len(c["long"]) > MAX_CHARS for c in candidates)
    lines = {"train.jsonl.gz": len(train)}
    for split in ("valid", "test"):
        lines[f"{split}/queries.jsonl"] = len(parts[f"{split} queries"])
        lines[f"{split}/corpus.jsonl.gz"] = corpus_sizes[split]
        lines[f"{split}/qrels.tsv"] = len(parts[f"{split} queries"])
    width = max(len(what) for what, _ in funnel) + 1
    manifest = f"""Debian package short description -> long description, Debian 12.15 main (see NOTICE)

Packages:       main/binary-amd64/Packages, {debtags.PACKAGES_SIZE} bytes, sha256 {debtags.PACKAGES_SHA256}
Translation-en: main/i18n/Translation-en, {debtags.TRANSLATION_SIZE} bytes, sha256 {debtags.TRANSLATION_SHA256}

""" + "".join(f"{what + ':':<{width}} {n:>6}\n" for what, n in funnel) + f"""
query / anchor: the short description, whitespace squeezed
document / positive: the long description's paragraphs, one per line, whitespace squeezed, cut to
  {MAX_CHARS} characters at the last space before ({n_cut} of the {len(candidates)} candidates are cut)
candidates ordered by sha256("{SALT}:order:" + package), then cut, in this order, into
  """ + ", ".join(f"{what} {n}" for what, n in SIZES) + f"""
  ({len(ordered) - at} left unused); the corpus of a split: its queries' documents and its distractors
query id: "{QUERY_PREFIX}" + package; document id: package; one relevant document per query, score 1

file                      lines     bytes
""" + "".join(f"{name:<22} {lines[name]:>7} {len(data):>9}\n" for name, data in files.items()) + """(qrels lines: judgements, header not counted)

sha256:
""" + "".join(f"{sha256_hex(data)}  {name}\n" for name, data in files.items())
    write_manifest(out_dir, manifest)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        fail("usage: regenerate.py PACKAGES TRANSLATION_EN OUT_DIR")
    main(*sys.argv[1:])
