#!/usr/bin/env python3
"""torch.optim counterpart of io.github.finetune4j.bench.OptimizerBench.

Times one optimizer step over ResNet-18's 62 parameter tensors (11.7M values) for SGD with
momentum and AdamW, with two threads (BENCH_THREADS=n to change). Prints the median over runs of the mean step time.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 src/test/python/bench_torch_optim.py [runs steps warmup]
"""

import os
import statistics
import sys
import time

import torch


def resnet18_shapes():
    shapes = [[64, 3, 7, 7], [64], [64]]
    inplanes = 64
    for planes, first_stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        for b in range(2):
            stride = first_stride if b == 0 else 1
            shapes += [[planes, inplanes, 3, 3], [planes], [planes],
                       [planes, planes, 3, 3], [planes], [planes]]
            if b == 0 and (stride != 1 or inplanes != planes):
                shapes += [[planes, inplanes, 1, 1], [planes], [planes]]
            inplanes = planes
    return shapes + [[1000, 512], [1000]]


def bench(label, make_opt, shapes, runs, steps, warmup):
    torch.manual_seed(0)
    params = []
    for s in shapes:
        p = torch.nn.Parameter(torch.randn(s) * 0.05)
        p.grad = torch.randn(s) * 0.01
        params.append(p)
    opt = make_opt(params)
    for _ in range(warmup):
        opt.step()
    per_step = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.step()
        per_step.append((time.perf_counter() - t0) * 1000.0 / steps)
    print("%-22s median %.2f ms/step  min %.2f  (runs: %s)"
          % (label, statistics.median(per_step), min(per_step), [round(v, 2) for v in per_step]))


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    shapes = resnet18_shapes()
    total = sum(torch.Size(s).numel() for s in shapes)
    print("torch %s threads=%d tensors=%d values=%d"
          % (torch.__version__, torch.get_num_threads(), len(shapes), total))
    bench("sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9, weight_decay=1e-4),
          shapes, runs, steps, warmup)
    bench("adamw", lambda ps: torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.01),
          shapes, runs, steps, warmup)
    bench("sgd_momentum foreach", lambda ps: torch.optim.SGD(
        ps, lr=0.01, momentum=0.9, weight_decay=1e-4, foreach=True), shapes, runs, steps, warmup)
    bench("adamw foreach", lambda ps: torch.optim.AdamW(
        ps, lr=1e-3, weight_decay=0.01, foreach=True), shapes, runs, steps, warmup)


if __name__ == "__main__":
    main()
