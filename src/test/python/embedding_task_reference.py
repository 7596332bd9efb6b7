"""Reference values for EmbeddingTaskTest (the numbers it holds as constants), written apart from
the Java code: run it and compare its output with the constants in that test.

The data are small integer vectors from a 64-bit linear congruential generator that the test
re-implements (state = state * 6364136223846793005 + 1442695040888963407 mod 2^64; raw = state >> 33;
small = raw % 21 - 10), so both sides see the same numbers; with integer entries every dot product
and squared norm is exact, so the cosines, and their ties, are the same bit for bit on both sides.

- losses: MultipleNegativesRankingLoss (k = 2, pairs; k = 3, a hard-negative column appended to
  the candidates), its symmetric variant and CoSENTLoss, in torch float64, as sentence-transformers
  defines them (util.cos_sim = F.normalize then a matrix product; scale 20).
- retrieval: sentence-transformers' InformationRetrievalEvaluator.compute_metrics written out from
  its definition (binary relevance; accuracy, precision, recall, MRR, NDCG and MAP at k), over an
  exact cosine ranking in float64 whose ties go to the lower corpus index (a stable sort; the
  evaluator's torch.topk leaves ties unspecified).
- spearman: scipy.stats.spearmanr of the pairs' cosine with their score (average ranks for ties).

Usage: python3 embedding_task_reference.py  -> JSON on stdout
"""
import json
import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import spearmanr

MASK = (1 << 64) - 1


class Lcg:
    def __init__(self, seed):
        self.state = seed & MASK

    def raw(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return self.state >> 33

    def small(self):
        return self.raw() % 21 - 10


def matrix(lcg, rows, dim, divisor=1.0):
    return [[lcg.small() / divisor for _ in range(dim)] for _ in range(rows)]


# ---------------------------------------------------------------- losses (torch, float64)


def cos_sim(a, b):
    return F.normalize(a, p=2, dim=1) @ F.normalize(b, p=2, dim=1).T


def mnrl(rows, b, k, symmetric=False):
    x = torch.tensor(rows, dtype=torch.float64)
    anchors = x[:b]
    candidates = x[b:]  # positives, then each negatives column
    scores = cos_sim(anchors, candidates) * 20.0
    labels = torch.arange(b)
    forward = F.cross_entropy(scores, labels)
    if not symmetric:
        return forward.item()
    backward = F.cross_entropy(scores[:, :b].T, labels)
    return ((forward + backward) / 2).item()


def cosent(rows, b, labels):
    x = torch.tensor(rows, dtype=torch.float64)
    s = (F.normalize(x[:b], dim=1) * F.normalize(x[b:], dim=1)).sum(dim=1) * 20.0
    y = torch.tensor(labels, dtype=torch.float64)
    diff = s[:, None] - s[None, :]
    diff = diff - (1 - (y[:, None] < y[None, :]).double()) * 1e12
    diff = torch.cat((torch.zeros(1, dtype=torch.float64), diff.view(-1)))
    return torch.logsumexp(diff, dim=0).item()


# ---------------------------------------------------------------- retrieval


def norm(v):
    s = 0.0
    for x in v:
        s += x * x
    return max(math.sqrt(s), 1e-12)


def cosine(q, c):
    dot = 0.0
    for x, y in zip(q, c):
        dot += x * y
    return dot / (norm(q) * norm(c))


def dcg(relevances, k):
    return sum(relevances[i] / np.log2(i + 2) for i in range(min(len(relevances), k)))


def ir_metrics(queries, corpus, relevant, ks):
    """sentence-transformers' compute_metrics, binary relevance, one value per KIND@K."""
    per = {}
    for q, qv in enumerate(queries):
        scores = np.array([cosine(qv, c) for c in corpus])
        order = np.argsort(-scores, kind="stable")  # ties: the lower corpus index first
        rel = relevant[q]
        for k in ks:
            top = [int(d) for d in order[:k]]
            hits = [1 if d in rel else 0 for d in top]
            vals = {
                "accuracy": 1.0 if any(hits) else 0.0,
                "precision": sum(hits) / k,
                "recall": sum(hits) / len(rel),
                "mrr": next((1.0 / (r + 1) for r, h in enumerate(hits) if h), 0.0),
                "ndcg": dcg(hits, k) / dcg([1] * len(rel), k),
            }
            found, sum_precisions = 0, 0.0
            for r, h in enumerate(hits):
                if h:
                    found += 1
                    sum_precisions += found / (r + 1)
            vals["map"] = sum_precisions / min(k, len(rel))
            for kind, v in vals.items():
                per.setdefault(f"{kind}@{k}", []).append(v)
    return {name: float(np.mean(v)) for name, v in per.items()}


def retrieval_data():
    """20 queries, 60 documents of 8 dimensions; documents 50..59 repeat 0..9 (exact ties)."""
    lcg = Lcg(2112)
    dim = 8
    corpus = matrix(lcg, 50, dim)
    corpus += [list(corpus[i]) for i in range(10)]
    relevant, queries = [], []
    for _ in range(20):
        n = 1 + lcg.raw() % 3
        rel = []
        while len(rel) < n:
            d = lcg.raw() % 60
            if d not in rel:
                rel.append(d)
        relevant.append(rel)
        noise = [lcg.small() for _ in range(dim)]
        queries.append([noise[j] + sum(corpus[d][j] for d in rel) for j in range(dim)])
    return queries, corpus, relevant


# ---------------------------------------------------------------- scored pairs


def scored_data():
    """24 pairs of 5 dimensions, pairs 20..23 repeating 0..3 (tied cosines), scores in quarters."""
    lcg = Lcg(77)
    a, b, y = [], [], []
    for _ in range(20):
        a.append([lcg.small() for _ in range(5)])
        b.append([lcg.small() for _ in range(5)])
        y.append((lcg.raw() % 5) / 4.0)
    for i in range(4):
        a.append(list(a[i]))
        b.append(list(b[i]))
        y.append(y[i])
    return a, b, y


def main():
    out = {}
    rows2 = matrix(Lcg(1), 2 * 4, 6, 4.0)
    rows3 = matrix(Lcg(2), 3 * 4, 6, 4.0)
    rows_cosent = matrix(Lcg(3), 2 * 4, 6, 4.0)
    out["mnrl_k2"] = mnrl(rows2, 4, 2)
    out["mnrl_k3"] = mnrl(rows3, 4, 3)
    out["mnrl_symmetric_k2"] = mnrl(rows2, 4, 2, symmetric=True)
    out["cosent"] = cosent(rows_cosent, 4, [0.0, 0.5, 0.5, 1.0])

    queries, corpus, relevant = retrieval_data()
    out["relevant"] = relevant
    out["retrieval"] = ir_metrics(queries, corpus, relevant, [1, 3, 10, 100])

    a, b, y = scored_data()
    cos = [cosine(u, v) for u, v in zip(a, b)]
    out["spearman"] = float(spearmanr(cos, y).correlation)
    out["distinct_cosines"] = len(set(cos))
    out["distinct_scores"] = len(set(y))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
