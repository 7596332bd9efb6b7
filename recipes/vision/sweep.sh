#!/usr/bin/env bash
# The transfer table of README.md ("Images"): the MNIST-pre-trained CNN against its from-scratch
# twin on the 8x8 digits, at 20 / 50 / 100 labelled training images, 3 seeds each (the seed picks
# the labelled images, the new weights and the shuffling), tested on the same 600 digits.
#   bash recipes/vision/sweep.sh            # 18 runs, about 2 minutes on 2 cores
# Writes runs/vision-sweep/<recipe>-<n>-<seed>/ and prints one Markdown row per n.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=runs/vision-sweep
mkdir -p "$out"
results="$out/results.tsv"
: > "$results"
for n in 20 50 100; do
  for recipe in digits-from-mnist digits-from-scratch; do
    for seed in 1 2 3; do
      dir="$out/$recipe-$n-$seed"
      ./finetune run "recipes/vision/$recipe.yaml" "train.seed=$seed" "data.train.limit=$n" \
        "output.dir=$dir" output.overwrite=true monitor.sinks=[jsonl] > "$dir.log" 2>&1 \
        || { cat "$dir.log" >&2; exit 1; }
      /usr/bin/env python3 - "$dir/summary.json" "$n" "$recipe" "$seed" >> "$results" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("\t".join([sys.argv[2], sys.argv[3], sys.argv[4], "%.4f" % s["test_accuracy"],
                 "%.1f" % s["wall_seconds"]]))
PY
    done
  done
done
/usr/bin/env python3 - "$results" <<'PY'
import statistics as st, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
cell = {}
for n, recipe, seed, acc, wall in rows:
    cell.setdefault((int(n), recipe), []).append((float(acc), float(wall)))
print("| labelled digits | MNIST-pre-trained (digits-from-mnist) | from scratch (digits-from-scratch) |")
print("|---|---|---|")
for n in sorted({k[0] for k in cell}):
    def f(recipe):
        accs = [a for a, _ in cell[(n, recipe)]]
        walls = [w for _, w in cell[(n, recipe)]]
        return "%.3f ± %.3f (%.0f s)" % (st.mean(accs), st.stdev(accs), st.median(walls))
    print("| %d | %s | %s |" % (n, f("digits-from-mnist"), f("digits-from-scratch")))
PY
