#!/usr/bin/env python3
"""Generates the golden trajectories that OptimGoldenTest checks Finetune4J's optimizers against.

Oracle: torch.optim and torch.nn.utils (Debian's python3-torch). Run with the system Python:

    /usr/bin/python3 src/test/python/gen_optim_golden.py

It writes one JSON file per case under src/test/resources/golden/optim/. Every file records the
torch version, the optimizer options, per-step schedules (if any), the formulas for the initial
weights and the gradients, the initial weights and the weights after every step (float32 values,
written exactly as doubles).

Parameters: two float32 tensors, k = 0 with shape [3, 4] and k = 1 with shape [4]; i is the flat
(row-major) index inside a tensor.
  initial  w[k][i]  = float32(0.5 * sin(0.7 * i + 1.3 * k + 0.4))
  target   c[k][i]  = 0.25 * cos(0.3 * i + k)
  gradient at step t (1-based), from the CURRENT weights w (so the trajectory is coupled):
           g[k][i]  = float32(2 * (w - c) + 0.3 * w * w * w + 0.1 * sin(t + 0.5 * i + k))
  evaluated in float64 from the float32 weights, then rounded to float32.
"""

import json
import math
import os

import torch

SHAPES = [[3, 4], [4]]
STEPS = 8
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "golden", "optim")

INIT_FORMULA = "w[k][i] = float32(0.5 * sin(0.7 * i + 1.3 * k + 0.4))"
GRAD_FORMULA = (
    "g[k][i] = float32(2 * (w - c) + 0.3 * w * w * w + 0.1 * sin(t + 0.5 * i + k)),"
    " c[k][i] = 0.25 * cos(0.3 * i + k), t = 1-based step, evaluated in float64"
)


def initial_weights():
    ws = []
    for k, shape in enumerate(SHAPES):
        n = math.prod(shape)
        i = torch.arange(n, dtype=torch.float64)
        w = (0.5 * torch.sin(0.7 * i + 1.3 * k + 0.4)).to(torch.float32).reshape(shape)
        ws.append(w.clone().requires_grad_(True))
    return ws


def gradient(w, k, t):
    n = w.numel()
    i = torch.arange(n, dtype=torch.float64)
    x = w.detach().to(torch.float64).reshape(-1)
    c = 0.25 * torch.cos(0.3 * i + k)
    g = 2.0 * (x - c) + 0.3 * x * x * x + 0.1 * torch.sin(t + 0.5 * i + k)
    return g.to(torch.float32).reshape(w.shape)


def flat(ts):
    return [[float(v) for v in t.detach().reshape(-1).tolist()] for t in ts]


def write(name, payload):
    payload = dict(payload)
    payload["case"] = name
    payload["torch_version"] = torch.__version__
    payload["shapes"] = SHAPES
    payload["init_formula"] = INIT_FORMULA
    payload["grad_formula"] = GRAD_FORMULA
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(payload, f, indent=1)
        f.write("\n")


def optimizer_case(name, kind, options, groups=None, lr_per_step=None, mom_per_step=None):
    """groups: list of (param indices, per-group option overrides); None = one group of both."""
    ws = initial_weights()
    initial = flat(ws)
    if groups is None:
        groups = [([0, 1], {})]
    param_groups = [dict({"params": [ws[j] for j in idx]}, **extra) for idx, extra in groups]
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop}[kind]
    opt = cls(param_groups, **options)
    trajectory = []
    for t in range(1, STEPS + 1):
        for gi, group in enumerate(opt.param_groups):
            if lr_per_step is not None:
                group["lr"] = lr_per_step[gi][t - 1]
            if mom_per_step is not None:
                m = mom_per_step[t - 1]
                if kind in ("adam", "adamw"):
                    group["betas"] = (m, group["betas"][1])
                else:
                    group["momentum"] = m
        for k, w in enumerate(ws):
            w.grad = gradient(w, k, t)
        opt.step()
        trajectory.append(flat(ws))
    write(name, {
        "optimizer": kind,
        "options": options,
        "groups": [{"params": idx, "options": extra} for idx, extra in groups],
        "steps": STEPS,
        "lr_per_step": lr_per_step,
        "momentum_per_step": mom_per_step,
        "initial": initial,
        "trajectory": trajectory,
    })


def clip_norm_case(name, scale, max_norm):
    ws = initial_weights()
    grads = [(gradient(w, k, 1) * scale).to(torch.float32) for k, w in enumerate(ws)]
    for w, g in zip(ws, grads):
        w.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ws, max_norm)
    write(name, {
        "operation": "clip_grad_norm_",
        "grad_scale": scale,
        "max_norm": max_norm,
        "grads": flat(grads),
        "total_norm": float(total),
        "clipped": flat([w.grad for w in ws]),
    })


def clip_value_case(name, clip_value):
    ws = initial_weights()
    grads = [gradient(w, k, 1) for k, w in enumerate(ws)]
    for w, g in zip(ws, grads):
        w.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ws, clip_value)
    write(name, {
        "operation": "clip_grad_value_",
        "clip_value": clip_value,
        "grads": flat(grads),
        "clipped": flat([w.grad for w in ws]),
    })


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    optimizer_case("sgd_plain", "sgd", {"lr": 0.1})
    optimizer_case("sgd_momentum_dampening", "sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1})
    optimizer_case("sgd_nesterov_weight_decay", "sgd",
                   {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01})
    optimizer_case("adam", "adam", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8})
    optimizer_case("adam_amsgrad_weight_decay", "adam",
                   {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-6, "amsgrad": True,
                    "weight_decay": 0.05})
    optimizer_case("adamw", "adamw", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8,
                                      "weight_decay": 0.1})
    # beta2 = 0.9 lets the second moment fall as gradients shrink, so the AMSGrad maximum matters.
    optimizer_case("adamw_amsgrad", "adamw", {"lr": 0.01, "betas": [0.9, 0.9], "eps": 1e-8,
                                              "weight_decay": 0.1, "amsgrad": True})
    optimizer_case("rmsprop", "rmsprop", {"lr": 0.01, "alpha": 0.99, "eps": 1e-8})
    optimizer_case("rmsprop_centered_momentum_weight_decay", "rmsprop",
                   {"lr": 0.005, "alpha": 0.9, "eps": 1e-6, "momentum": 0.8, "centered": True,
                    "weight_decay": 0.02})
    # Per-step learning rate and momentum, as a one-cycle policy drives them.
    lrs = [0.01, 0.04, 0.08, 0.1, 0.08, 0.05, 0.02, 0.005]
    moms = [0.95, 0.92, 0.88, 0.85, 0.87, 0.9, 0.93, 0.95]
    optimizer_case("sgd_momentum_scheduled", "sgd", {"lr": 0.1, "momentum": 0.9},
                   lr_per_step=[lrs], mom_per_step=moms)
    # Two groups with their own lr and weight decay; beta1 cycled per step.
    optimizer_case("adamw_two_groups_scheduled_beta1", "adamw",
                   {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
                   groups=[([0], {"lr": 0.01, "weight_decay": 0.1}),
                           ([1], {"lr": 0.03, "weight_decay": 0.0})],
                   lr_per_step=[[0.01 * x for x in [1, 2, 3, 4, 4, 3, 2, 1]],
                                [0.03 * x for x in [1, 2, 3, 4, 4, 3, 2, 1]]],
                   mom_per_step=moms)
    clip_norm_case("clip_grad_norm_clipped", 3.0, 1.0)
    clip_norm_case("clip_grad_norm_unclipped", 1.0, 100.0)
    clip_value_case("clip_grad_value", 0.15)


if __name__ == "__main__":
    main()
