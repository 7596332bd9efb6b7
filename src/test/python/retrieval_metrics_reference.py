"""Reference values for RetrievalMetricsPythonTest, from scikit-learn, scipy and numpy.

- NDCG@k: sklearn.metrics.ndcg_score on the full score matrix with binary relevance (with
  distinct scores and every relevant document in the corpus, its ideal DCG, sum over the top k of
  the sorted true relevances, is sentence-transformers' sum of 1/log2(r+1) over r <= min(|R|, k)).
- MAP over the whole ranking: sklearn.metrics.label_ranking_average_precision_score (for binary
  relevance and distinct scores it is the mean over queries of sum_{relevant r} precision@r / |R|,
  which is map@k for k >= the corpus size).
- MRR@k, Recall@k, Precision@k, Accuracy@k, MAP@k: numpy, written here from the definitions of
  sentence-transformers' InformationRetrievalEvaluator.compute_metrics.
- Exact cosine top-k: numpy, float64, ties broken by the lower corpus index (a stable sort).
- Spearman: scipy.stats.spearmanr.

Usage: python3 retrieval_metrics_reference.py INPUT.json -> JSON on stdout.
"""
import json
import sys

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import label_ranking_average_precision_score, ndcg_score


def ranking(scores_row):
    # highest score first, then the lower index: lexsort sorts by the last key first
    return np.lexsort((np.arange(len(scores_row)), -scores_row))


def per_query(ranked, relevant, kind, k):
    top = ranked[:k]
    hits = np.array([1.0 if d in relevant else 0.0 for d in top])
    if kind == "mrr":
        where = np.nonzero(hits)[0]
        return 1.0 / (where[0] + 1) if len(where) else 0.0
    if kind == "recall":
        return hits.sum() / len(relevant)
    if kind == "precision":
        return hits.sum() / k
    if kind == "accuracy":
        return 1.0 if hits.sum() > 0 else 0.0
    if kind == "map":
        precisions = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        return (precisions * hits).sum() / min(k, len(relevant))
    raise SystemExit("unknown kind " + kind)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    scores = np.array(data["scores"], dtype=np.float64)
    relevant = [set(r) for r in data["relevant"]]
    truth = np.zeros_like(scores)
    for q, r in enumerate(relevant):
        truth[q, list(r)] = 1.0
    out = {"ndcg": {}, "numpy": {}}
    for k in data["ks"]:
        out["ndcg"][str(k)] = float(ndcg_score(truth, scores, k=k))
    out["lrap"] = float(label_ranking_average_precision_score(truth, scores))
    ranked = [ranking(row) for row in scores]
    for kind in ("mrr", "recall", "precision", "accuracy", "map"):
        for k in data["ks"]:
            values = [per_query(ranked[q], relevant[q], kind, k) for q in range(len(ranked))]
            out["numpy"][kind + "@" + str(k)] = float(np.mean(values))

    queries = np.array(data["queries"], dtype=np.float32).astype(np.float64)
    corpus = np.array(data["corpus"], dtype=np.float32).astype(np.float64)
    qn = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    cn = corpus / np.maximum(np.linalg.norm(corpus, axis=1, keepdims=True), 1e-12)
    # one dot product per pair, each summed the same way, so equal rows give equal scores
    cosine = (qn[:, None, :] * cn[None, :, :]).sum(axis=-1)
    out["topk"] = [ranking(row)[: data["topk"]].tolist() for row in cosine]

    rho = spearmanr(data["x"], data["y"])
    out["spearman"] = float(rho.correlation if hasattr(rho, "correlation") else rho[0])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
