"""Reference values for EmbeddingLossTorchTest: sentence-transformers' embedding losses written
out in torch, in float64, with their gradients from torch autograd.

Each loss follows the definition in sentence-transformers 5.x (losses/MultipleNegativesRankingLoss,
MultipleNegativesSymmetricRankingLoss, CoSENTLoss, ContrastiveLoss, OnlineContrastiveLoss,
CosineSimilarityLoss, with
util.cos_sim / pairwise_cos_sim = torch.nn.functional.normalize then a dot product, and
SiameseDistanceMetric.COSINE_DISTANCE = 1 - F.cosine_similarity). sentence-transformers itself is
not a Debian package, so the few lines of each loss are written here from its definition.

Usage: python3 embedding_losses_reference.py CASES.json  -> JSON on stdout
CASES.json: a list of {"loss", "columns": [{"values": [...], "shape": [...]}], "labels": [...] or
null, and the loss's parameters}.
Output: a list of {"loss": value, "grads": [one nested list per column]}.
"""
import json
import sys

import torch
import torch.nn.functional as F


def cos_sim(a, b):
    return F.normalize(a, p=2, dim=1) @ F.normalize(b, p=2, dim=1).T


def pairwise_cos_sim(a, b):
    return (F.normalize(a, p=2, dim=1) * F.normalize(b, p=2, dim=1)).sum(dim=-1)


def mnrl(cols, scale, symmetric):
    anchors = cols[0]
    batch = anchors.shape[0]
    # negatives given as [B, k, D] are split into k columns of [B, D], as the trainer passes them
    cands = [cols[1]]
    for c in cols[2:]:
        cands.extend([c[:, j, :] for j in range(c.shape[1])] if c.dim() == 3 else [c])
    candidates = torch.cat(cands, dim=0)
    labels = torch.arange(batch)
    ce = torch.nn.CrossEntropyLoss()
    scores = cos_sim(anchors, candidates) * scale
    forward = ce(scores, labels)
    if not symmetric:
        return forward
    backward = ce(scores[:, :batch].T, labels)
    return (forward + backward) / 2


def cosent(cols, labels, scale):
    scores = pairwise_cos_sim(cols[0], cols[1]) * scale
    scores = scores[:, None] - scores[None, :]
    mask = (labels[:, None] < labels[None, :]).to(scores.dtype)
    scores = scores - (1 - mask) * 1e12
    scores = torch.cat((torch.zeros(1, dtype=scores.dtype), scores.view(-1)), dim=0)
    return torch.logsumexp(scores, dim=0)


def contrastive(cols, labels, margin, size_average):
    d = 1 - F.cosine_similarity(cols[0], cols[1])
    losses = 0.5 * (labels * d.pow(2) + (1 - labels) * F.relu(margin - d).pow(2))
    return losses.mean() if size_average else losses.sum()


def online_contrastive(cols, labels, margin):
    d = 1 - F.cosine_similarity(cols[0], cols[1])
    negs = d[labels == 0]
    poss = d[labels == 1]
    negative_pairs = negs[negs < (poss.max() if len(poss) > 1 else negs.mean())]
    positive_pairs = poss[poss > (negs.min() if len(negs) > 1 else poss.mean())]
    return positive_pairs.pow(2).sum() + F.relu(margin - negative_pairs).pow(2).sum()


def cosine_similarity_loss(cols, labels):
    # CosineSimilarityLoss: cos_score_transformation = Identity, loss_fct = MSELoss()
    return torch.nn.MSELoss()(torch.cosine_similarity(cols[0], cols[1]), labels)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    for case in cases:
        cols = [
            torch.tensor(c["values"], dtype=torch.float64).reshape(c["shape"]).requires_grad_()
            for c in case["columns"]
        ]
        labels = None
        if case.get("labels") is not None:
            labels = torch.tensor(case["labels"], dtype=torch.float64)
        name = case["loss"]
        if name in ("mnrl", "mnrl_symmetric"):
            loss = mnrl(cols, case["scale"], name == "mnrl_symmetric")
        elif name == "cosent":
            loss = cosent(cols, labels, case["scale"])
        elif name == "contrastive":
            loss = contrastive(cols, labels, case["margin"], case["size_average"])
        elif name == "online_contrastive":
            loss = online_contrastive(cols, labels, case["margin"])
        elif name == "cosine":
            loss = cosine_similarity_loss(cols, labels)
        else:
            raise SystemExit("unknown loss " + name)
        loss.backward()
        grads = [c.grad.reshape(-1).tolist() for c in cols]
        out.append({"loss": loss.item(), "grads": grads})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
