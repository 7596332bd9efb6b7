#!/usr/bin/env bash
# The embedding table of docs/results.md: the shipped embedding recipes (MNRL; all-MiniLM-L6-v2 on
# spam-subjects and debian-descriptions, bge-small-en-v1.5 on debian-descriptions), 3 seeds each,
# every trial an ordinary run whose summary.json holds the untouched model's test metrics beside
# the tuned model's.
#   bash recipes/experiments/embeddings.sh      # about an hour on 2 cores
# A sweep that is stopped continues where it was when the same command runs again.
# Writes runs/results/embeddings/ and the table between the markers in docs/results.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
./finetune sweep \
  recipes/embeddings/spam-subjects-minilm.yaml \
  recipes/embeddings/debian-minilm.yaml \
  recipes/embeddings/debian-bge-small.yaml \
  --seeds 3 --set 'monitor.sinks=[jsonl]' --out runs/results/embeddings
table="$(/usr/bin/python3 recipes/experiments/embeddings_table.py runs/results/embeddings)"
TABLE="$table" perl -0pi -e \
  's/(<!-- table:embeddings -->\n).*?(\n<!-- \/table:embeddings -->)/$1$ENV{TABLE}$2/s' \
  docs/results.md
echo "docs/results.md updated"
