#!/usr/bin/env bash
# Regenerate data/spamassassin-pairs/{train,valid,test}.jsonl.gz and MANIFEST.txt from the
# committed SpamAssassin extract data/spamassassin (see NOTICE and regenerate.py).
#
# Usage (from the repository root):  bash data/spamassassin-pairs/regenerate.sh
# Needs: python3 (>= 3.8, standard library only). No network.
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHONDONTWRITEBYTECODE=1 python3 "$HERE/regenerate.py" "$HERE/../spamassassin" "$HERE"
