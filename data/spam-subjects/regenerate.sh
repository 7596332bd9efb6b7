#!/usr/bin/env bash
# Regenerate data/spam-subjects (train.jsonl.gz, valid/ and test/ in BEIR's layout, MANIFEST.txt)
# from the committed SpamAssassin extract data/spamassassin/{train,valid,test}.jsonl.gz (their
# sha256 are checked); see NOTICE and regenerate.py.
#
# Usage (from the repository root):  bash data/spam-subjects/regenerate.sh
# Needs: python3 (>= 3.8, standard library only); no network.
# The Python helpers shared by these scripts are in data/lib/datasets.py (on PYTHONPATH).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" \
    python3 "$HERE/regenerate.py" "$HERE/../spamassassin" "$HERE"
