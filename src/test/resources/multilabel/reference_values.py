"""Reference values of MultiLabelTaskTest, pasted there as constants (the test never runs Python).

Run with Debian's python3 and its packages python3-torch (1.13) and python3-sklearn (1.2):
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 src/test/resources/multilabel/reference_values.py
"""
import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support

torch.set_printoptions(precision=17)

# --- loss: torch.nn.BCEWithLogitsLoss (reduction mean) in double precision ---------------------
LOGITS = [[50.0, -50.0, 0.0], [-50.0, 50.0, 2.5], [0.25, -1.5, 10.0], [-3.0, 0.75, -20.0]]
TARGETS = [[1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 0.0]]
POS_WEIGHT = [0.5, 2.0, 3.0]
for name, pw in [("plain", None), ("pos_weight", POS_WEIGHT)]:
    x = torch.tensor(LOGITS, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(TARGETS, dtype=torch.float64)
    kw = {} if pw is None else {"pos_weight": torch.tensor(pw, dtype=torch.float64)}
    loss = torch.nn.BCEWithLogitsLoss(reduction="mean", **kw)(x, y)
    loss.backward()
    print(f"loss {name}: {loss.item()!r}")
    print(f"grad {name}: {[repr(v) for v in x.grad.flatten().tolist()]}")

# --- metrics: 6 examples x 4 labels a b c d; c never present, d never predicted at 0.5 ---------
METRIC_LOGITS = np.array(
    [
        [2.0, -1.5, -3.0, -0.5],
        [1.0, 0.0, -2.0, -1.0],
        [-2.0, 3.0, 0.5, -4.0],
        [-0.25, -1.0, -1.0, -0.1],
        [0.75, 1.5, -2.5, -2.0],
        [-1.0, -0.5, -0.2, -3.0],
    ],
    dtype=np.float32,
)
Y_TRUE = np.array(
    [[1, 0, 0, 1], [1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 0]]
)
prob = (1.0 / (1.0 + np.exp(-METRIC_LOGITS.astype(np.float64)))).astype(np.float32)
for name, thr in [("at 0.5", [0.5, 0.5, 0.5, 0.5]), ("at 0.8 0.5 0.95 0.2", [0.8, 0.5, 0.95, 0.2])]:
    y_pred = (prob >= np.array(thr)).astype(int)
    print(f"--- thresholds {name}; y_pred = {y_pred.tolist()}")
    print("micro_f1", repr(f1_score(Y_TRUE, y_pred, average="micro", zero_division=0)))
    print("macro_f1", repr(f1_score(Y_TRUE, y_pred, average="macro", zero_division=0)))
    print("subset_accuracy", repr(accuracy_score(Y_TRUE, y_pred)))
    print("hamming_loss", repr(hamming_loss(Y_TRUE, y_pred)))
    p, r, f, s = precision_recall_fscore_support(Y_TRUE, y_pred, average=None, zero_division=0)
    print("precision", [repr(v) for v in p])
    print("recall", [repr(v) for v in r])
    print("f1", [repr(v) for v in f])
    print("support", s.tolist())
