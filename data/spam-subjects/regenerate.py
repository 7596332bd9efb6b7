"""Builds data/spam-subjects (subject -> body retrieval) from the committed SpamAssassin extract
data/spamassassin/{train,valid,test}.jsonl.gz: train.jsonl.gz ({"anchor", "positive"} pairs),
valid/ and test/ in BEIR's layout (queries.jsonl, corpus.jsonl.gz, qrels.tsv) and MANIFEST.txt.
See NOTICE; run through regenerate.sh.

Usage: python3 regenerate.py SPAMASSASSIN_DIR OUT_DIR
Needs python3 (>= 3.8, standard library only) and data/lib on PYTHONPATH.
Deterministic: the same inputs give byte-identical output files.
"""
import collections
import gzip
import hashlib
import json
import os
import re
import sys

from datasets import fail as _fail
from datasets import jsonl_bytes, read_checked, sha256_hex, write_bytes, write_ir_split
from datasets import write_manifest

PREFIX = "spam-subjects"
# The committed extract, as data/spamassassin/MANIFEST.txt lists it.
SOURCES = {
    "train": "70aef56dba14b5c2b8843624041d6a68184ec6284fdf4b0f778df1c57429843c",
    "valid": "283dcbba248842a0806e3808dd9faee8cd221e555b780a09adf7260a55258cc9",
    "test": "05cd86af5e62d1e6be58c8d7bff3c34e129450b1d89e16147f561827be8841eb",
}
N_QUERIES = {"test": 500, "valid": 200}
MIN_WORDS = 3
SALT = "finetune4j-spam-subjects"
QUERY_PREFIX = "q-"

# A leading run of reply / forward markers: "Re:", "RE:", "Re[2]:", "Fw:", "FWD:", "SV:" ...
LEADING_MARKERS = re.compile(r"^(?:\s*(?:re|fwd?|sv)(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE)
# The same markers anywhere, and bracketed list tags ("[ILUG]", "[Spambayes]"): left out of the key
ANY_MARKER = re.compile(r"\b(?:re|fwd?|sv)(?:\[\d+\])?\s*:", re.IGNORECASE)
TAG = re.compile(r"\[[^\]]*\]")


def fail(msg):
    _fail(PREFIX, msg)


def query_text(subject):
    """The subject without a leading run of reply / forward markers, whitespace squeezed."""
    return " ".join(LEADING_MARKERS.sub("", subject).split())


def subject_key(subject):
    """What makes two subjects "the same" for the duplicate rules: lower case, without any reply /
    forward marker and without bracketed list tags, whitespace squeezed."""
    return " ".join(ANY_MARKER.sub(" ", TAG.sub(" ", subject)).lower().split())


def h(kind, name):
    return hashlib.sha256(f"{SALT}:{kind}:{name}".encode("utf-8")).hexdigest()


def read_split(src_dir, split):
    """The messages of one split: dicts with id, label, subject and body ("subject\\n\\nbody")."""
    name = f"{split}.jsonl.gz"
    raw = read_checked(PREFIX, os.path.join(src_dir, name), SOURCES[split])
    out = []
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        r = json.loads(line)
        subject, sep, body = r["text"].partition("\n\n")
        if not sep:
            fail(f"{name}: {r['id']}: no blank line after the subject")
        out.append({"id": r["id"], "label": r["label"], "subject": subject, "body": body})
    return sorted(out, key=lambda m: m["id"])


def eligible(messages, counts):
    """The messages that can be a query or an anchor, counting each drop rule (first that applies)
    in counts: an empty body, an empty subject, fewer than MIN_WORDS words, a subject key that
    another message of the split has too (every message with it is dropped)."""
    for why in ("empty body", "empty subject", f"subject under {MIN_WORDS} words"):
        counts[why] = 0
    kept = []
    for m in messages:
        m["query"] = query_text(m["subject"])
        m["key"] = subject_key(m["subject"])
        if not m["body"].strip():
            counts["empty body"] += 1
        elif not m["key"]:
            counts["empty subject"] += 1
        elif len(m["key"].split()) < MIN_WORDS:
            counts[f"subject under {MIN_WORDS} words"] += 1
        else:
            kept.append(m)
    per_key = collections.Counter(m["key"] for m in kept)
    counts["subject repeated in the split"] = sum(1 for m in kept if per_key[m["key"]] > 1)
    return [m for m in kept if per_key[m["key"]] == 1]


def corpus_of(messages):
    """One document per distinct body: {body: id of the first message (by id) with it}."""
    docs = {}
    for m in messages:
        if m["body"].strip():
            docs.setdefault(m["body"], m["id"])
    return docs


def main(src_dir, out_dir):
    splits = {s: read_split(src_dir, s) for s in ("train", "valid", "test")}
    drops = {s: collections.Counter() for s in splits}
    pools = {s: eligible(splits[s], drops[s]) for s in splits}

    # test first, then valid, then train: a later split gives up what an earlier one uses
    taken_keys = set()
    queries = {}
    corpora = {}
    leftovers = {}
    for split in ("test", "valid"):
        pool = sorted(pools[split], key=lambda m: h("order", m["id"]))
        if split == "valid":
            clash = sum(1 for m in pool if m["key"] in taken_keys)
            drops[split]["subject of a test query"] = clash
        pool = [m for m in pool if m["key"] not in taken_keys]
        if len(pool) < N_QUERIES[split]:
            fail(f"{split}: only {len(pool)} eligible messages for {N_QUERIES[split]} queries")
        queries[split] = pool[: N_QUERIES[split]]
        leftovers[split] = len(pool) - N_QUERIES[split]
        taken_keys.update(m["key"] for m in queries[split])
        corpora[split] = corpus_of(splits[split])

    held_bodies = set(corpora["valid"]) | set(corpora["test"])
    train = []
    seen_bodies = set()
    tc = drops["train"]
    tc["subject of a valid or test query"] = tc["body in the valid or test corpus"] = 0
    tc["body of an earlier train pair"] = 0
    for m in pools["train"]:
        if m["key"] in taken_keys:
            tc["subject of a valid or test query"] += 1
        elif m["body"] in held_bodies:
            tc["body in the valid or test corpus"] += 1
        elif m["body"] in seen_bodies:
            tc["body of an earlier train pair"] += 1
        else:
            seen_bodies.add(m["body"])
            train.append(m)
    train.sort(key=lambda m: h("order", m["id"]))

    files = {}
    train_bytes = jsonl_bytes(({"anchor": m["query"], "positive": m["body"]} for m in train), True)
    write_bytes(os.path.join(out_dir, "train.jsonl.gz"), train_bytes)
    files["train.jsonl.gz"] = train_bytes
    for split in ("valid", "test"):
        docs = corpora[split]
        corpus = sorted(((i, "", body) for body, i in docs.items()), key=lambda d: d[0])
        qs = [(QUERY_PREFIX + m["id"], m["query"]) for m in queries[split]]
        qrels = [(QUERY_PREFIX + m["id"], docs[m["body"]], 1) for m in queries[split]]
        written = write_ir_split(PREFIX, os.path.join(out_dir, split), qs, corpus, qrels, True)
        for name, data in written.items():
            files[f"{split}/{name}"] = data

    def drop_lines(split):
        return "".join(f"  {why + ':':<36} {n:>5}\n" for why, n in drops[split].items())

    def spam(ms):
        return sum(m["label"] == "spam" for m in ms)

    n_docs = {s: len(corpora[s]) for s in corpora}
    same_body = {s: sum(1 for m in splits[s] if m["body"].strip()) - n_docs[s] for s in corpora}
    manifest = f"""Subject -> body retrieval from the SpamAssassin extract (see NOTICE)

source: data/spamassassin/{{train,valid,test}}.jsonl.gz, sha256
""" + "".join(f"  {SOURCES[s]}  {s}.jsonl.gz\n" for s in SOURCES) + f"""
query / anchor: the subject without a leading run of reply and forward markers (Re:, RE:,
  Re[2]:, Fw:, Fwd:, SV:), whitespace squeezed; document / positive: the body as in the source
subject key (for the rules below): lower case, no such markers anywhere, no [bracketed] tags
dropped, in this order (each message counted once, under the first rule that applies):
""" + "".join(f"{s} ({len(splits[s])} messages)\n{drop_lines(s)}" for s in ("train", "valid", "test")) + f"""
test queries: the first {N_QUERIES['test']} of {N_QUERIES['test'] + leftovers['test']} eligible test messages, valid queries: the first {N_QUERIES['valid']} of {N_QUERIES['valid'] + leftovers['valid']},
  each ordered by sha256("{SALT}:order:" + message id)
query id: "{QUERY_PREFIX}" + message id; document id: message id (of the first message, by id,
  with that body: identical bodies are one document)
corpus: every body of the split ({same_body['valid']} valid and {same_body['test']} test messages share their body with one before them)
train: pairs in sha256 order of the message id

file                       lines   spam        bytes
train.jsonl.gz        {len(train):>10} {spam(train):>6} {len(files['train.jsonl.gz']):>12}
""" + "".join(
        f"{s + '/queries.jsonl':<21} {len(queries[s]):>10} {spam(queries[s]):>6} "
        f"{len(files[s + '/queries.jsonl']):>12}\n"
        f"{s + '/corpus.jsonl.gz':<21} {n_docs[s]:>10} {'':>6} "
        f"{len(files[s + '/corpus.jsonl.gz']):>12}\n"
        f"{s + '/qrels.tsv':<21} {len(queries[s]):>10} {'':>6} "
        f"{len(files[s + '/qrels.tsv']):>12}\n"
        for s in ("valid", "test")) + """(qrels lines: judgements, header not counted; one relevant document per query, score 1)

sha256:
""" + "".join(f"{sha256_hex(data)}  {name}\n" for name, data in files.items())
    write_manifest(out_dir, manifest)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: regenerate.py SPAMASSASSIN_DIR OUT_DIR")
    main(*sys.argv[1:])
