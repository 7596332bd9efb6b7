"""Builds data/spamassassin-pairs/{train,valid,test}.jsonl.gz and MANIFEST.txt from the committed
SpamAssassin extract data/spamassassin/{train,valid,test}.jsonl.gz: (subject, body) pairs for a
cross-encoder (reranker), each email's subject with its own body (relevant) and with the body of
another email of the same split and class (not relevant). See NOTICE; run through regenerate.sh.

Usage: python3 regenerate.py SOURCE_DIR OUT_DIR
  SOURCE_DIR: data/spamassassin; its three files' sha256 must be the ones pinned below.
Needs python3 (>= 3.8, standard library only).
Deterministic: the same inputs give byte-identical output files.
"""
import gzip
import io
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import datasets  # noqa: E402

PREFIX = "spamassassin-pairs"
# data/spamassassin/MANIFEST.txt
SOURCES = {
    "train": "70aef56dba14b5c2b8843624041d6a68184ec6284fdf4b0f778df1c57429843c",
    "valid": "283dcbba248842a0806e3808dd9faee8cd221e555b780a09adf7260a55258cc9",
    "test": "05cd86af5e62d1e6be58c8d7bff3c34e129450b1d89e16147f561827be8841eb",
}
# emails per split; each gives two pairs (relevant, not relevant)
EMAILS = {"train": 300, "valid": 100, "test": 200}
SEED = 20261208
BODY_CAP = 600
MIN_SUBJECT_WORDS = 3
RELEVANT = "relevant"


def emails(raw):
    """(id, label, subject, body) of each line of a source file, in file order."""
    out = []
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        rec = json.loads(line)
        subject, sep, body = rec["text"].partition("\n\n")
        out.append((rec["id"], rec["label"], subject.strip(), body.strip() if sep else ""))
    return out


def keep(split_emails):
    """The emails whose subject has at least MIN_SUBJECT_WORDS words and whose body is not empty,
    and whose subject and capped body are each unique within the split; with the drop counts."""
    subjects, bodies = {}, {}
    for _, _, s, b in split_emails:
        subjects[s] = subjects.get(s, 0) + 1
        bodies[b[:BODY_CAP]] = bodies.get(b[:BODY_CAP], 0) + 1
    kept, short, empty, repeated = [], 0, 0, 0
    for e in split_emails:
        _, _, s, b = e
        if not b:
            empty += 1
        elif len(s.split()) < MIN_SUBJECT_WORDS:
            short += 1
        elif subjects[s] > 1 or bodies[b[:BODY_CAP]] > 1:
            repeated += 1
        else:
            kept.append(e)
    return kept, short, empty, repeated


def cap(body):
    """The body cut to BODY_CAP characters, at the last white space before the cap if any."""
    if len(body) <= BODY_CAP:
        return body
    cut = body[:BODY_CAP]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return cut[:space].rstrip() if space > BODY_CAP // 2 else cut


def pairs(kept, n, rng):
    """n emails drawn with rng, each as two pairs: its own body (relevant) and the body of the next
    drawn email of the same class (not relevant; the first of that class wraps around)."""
    chosen = rng.sample(kept, n)
    out = []
    for label in ("ham", "spam"):
        group = [e for e in chosen if e[1] == label]
        for k, e in enumerate(group):
            other = group[(k + 1) % len(group)]
            out.append((e, other))
    order = {e[0]: i for i, e in enumerate(chosen)}
    out.sort(key=lambda p: order[p[0][0]])
    lines = []
    for e, other in out:
        lines.append({"id": e[0], "query": e[2], "passage": cap(e[3]), "labels": [RELEVANT]})
        lines.append({"id": e[0] + "|" + other[0], "query": e[2], "passage": cap(other[3]),
                      "labels": []})
    return lines, sum(1 for e in chosen if e[1] == "spam")


def gz(lines):
    """Deterministic gzip of JSON lines: mtime 0, no file name in the header."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as f:
        for rec in lines:
            f.write((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
    return buf.getvalue()


def main():
    if len(sys.argv) != 3:
        datasets.fail(PREFIX, "usage: regenerate.py SOURCE_DIR OUT_DIR")
    src, out_dir = sys.argv[1], sys.argv[2]
    rng = random.Random(SEED)
    written, rows = [], []
    for split in ("train", "valid", "test"):
        raw = datasets.read_checked(
            PREFIX, os.path.join(src, split + ".jsonl.gz"), SOURCES[split])
        all_emails = emails(raw)
        kept, short, empty, repeated = keep(all_emails)
        lines, spam = pairs(kept, EMAILS[split], rng)
        data = gz(lines)
        datasets.write_bytes(os.path.join(out_dir, split + ".jsonl.gz"), data)
        written.append((split + ".jsonl.gz", data))
        rows.append((split, len(all_emails), empty, short, repeated, len(kept),
                     EMAILS[split], spam, len(lines), len(data)))
    text = [
        "SpamAssassin subject/body pairs for a cross-encoder (see NOTICE)",
        "",
        "source: data/spamassassin/{train,valid,test}.jsonl.gz (sha256 pinned in regenerate.py)",
        f"seed {SEED}; body cap {BODY_CAP} characters; subjects of at least "
        f"{MIN_SUBJECT_WORDS} words",
        "fields: id, query (subject), passage (body), labels ([\"relevant\"] or [])",
        "",
        "split  emails  no-body  short-subject  repeated  kept  drawn  (spam)  pairs     bytes",
    ]
    for r in rows:
        text.append("%-6s %6d %8d %14d %9d %5d %6d %7d %6d %9d" % r)
    text += ["", "sha256:", datasets.sha256_lines(written), ""]
    datasets.write_manifest(out_dir, "\n".join(text))


if __name__ == "__main__":
    main()
