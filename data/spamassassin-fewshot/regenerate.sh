#!/usr/bin/env bash
# Regenerate data/spamassassin-fewshot/train-8-per-class.jsonl.gz and MANIFEST.txt from the
# committed SpamAssassin extract data/spamassassin (see NOTICE and regenerate.py).
#
# Usage (from the repository root):  bash data/spamassassin-fewshot/regenerate.sh
# Needs: python3 (standard library only). No network. Deterministic: byte-identical output.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHONDONTWRITEBYTECODE=1 python3 "$HERE/regenerate.py" "$HERE/../spamassassin" "$HERE"
