#!/usr/bin/env python3
"""The embedding table of docs/results.md from a sweep's trials (stdlib only).

Each trial's summary.json holds the tuned model's test metrics and the untouched model's
(base_model.test_metrics, evaluated before step 1). Groups trials by recipe; prints one Markdown
row per recipe: untouched and tuned NDCG@10 and Recall@10 (mean ± sample std over the seeds; the
untouched figures are the same for every seed), the change, and the mean wall time.
Usage: embeddings_table.py SWEEP_DIR
"""
import json
import statistics
import sys
from pathlib import Path


def mean_std(values):
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def main(sweep):
    groups = {}
    for summary_file in sorted(Path(sweep, "trials").glob("*/summary.json")):
        s = json.loads(summary_file.read_text())
        if s.get("status") != "completed":
            continue
        groups.setdefault(s.get("recipe_description", "?"), []).append(s)
    print("| recipe | test texts (queries + documents) | untouched NDCG@10 | tuned NDCG@10 | change |"
          " untouched R@10 | tuned R@10 | seeds | wall s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, runs in groups.items():
        tuned = [r["test_metrics"]["ndcg@10"] for r in runs]
        tuned_r = [r["test_metrics"]["recall@10"] for r in runs]
        base = runs[0]["base_model"]["test_metrics"]
        change = statistics.mean(tuned) - base["ndcg@10"]
        verdict = f"{change:+.4f}" + ("" if change > 0 else " (tuning did not help)")
        wall = statistics.mean(r["wall_seconds"] for r in runs)
        print(f"| {name} | {runs[0].get('test_examples', '?')} | {base['ndcg@10']:.4f} |"
              f" {mean_std(tuned)} | {verdict} | {base['recall@10']:.4f} | {mean_std(tuned_r)} |"
              f" {len(runs)} | {wall:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1])
