"""Reference values of MultiLabelTaskTest, pasted there as constants (the test never runs Python).

Run with Debian's python3 and its packages python3-torch (1.13) and python3-sklearn (1.2):
  OPENBLAS_CORETYPE=Haswell /usr/bin/python3 src/test/resources/multilabel/reference_values.py
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

# --- training: full-batch gradient descent of a linear layer on digits-multilabel.csv ----------
# x = pixels / 16, W [64, 3] and b [3] from zeros, learning rate 1, 300 steps, float32 (as the
# Java test); the loss before steps 1, 100 and 300, and sklearn's micro F1 after the 300th step
import os

from sklearn.metrics import f1_score as _f1

d = np.loadtxt(os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits-multilabel.csv"),
               delimiter=",", skiprows=1, dtype=np.float32)
X = torch.tensor(d[:, :64] / 16)
Y = torch.tensor(d[:, 64:])
W = torch.zeros(64, 3, requires_grad=True)
b = torch.zeros(3, requires_grad=True)
for step in range(300):
    loss = torch.nn.BCEWithLogitsLoss()(X @ W + b, Y)
    loss.backward()
    if step in (0, 99, 299):
        print(f"training loss before step {step + 1}: {loss.item()!r}")
    with torch.no_grad():
        W -= W.grad
        b -= b.grad
        W.grad = None
        b.grad = None
with torch.no_grad():
    P = (torch.sigmoid(X @ W + b) >= 0.5).int().numpy()
print("training micro_f1 after 300 steps", repr(_f1(d[:, 64:], P, average="micro")))
