#!/usr/bin/env python3
"""Writes the tiny TorchScript models that NormPolicyTest trains (BatchNorm statistics policy).

Run with the system Python (Debian python3-torch):

    /usr/bin/python3 src/test/python/gen_bn_torchscript.py

Each model maps 4 features to 3 class logits:
    fc1 Linear(4,16) -> bn1 BatchNorm1d(16) -> ReLU -> fc2 Linear(16,16) -> bn2 BatchNorm1d(16)
    -> ReLU [-> drop Dropout(0.2)] -> out Linear(16,3)
and exports `norm_statistics()`, which returns clones of bn1's and bn2's running mean and variance
and their num_batches_tracked (as float): torch's own reading of its buffers, which DJL cannot
reach, so the test checks the statistics through the engine that owns them.

Writes src/test/resources/models/torchscript/bn-mlp.pt (no dropout) and bn-mlp-dropout.pt.
The weights come from torch.manual_seed(7); the running statistics start at torch's defaults
(mean 0, variance 1) and are then set to fixed non-default values so that a reset would show.
"""
import os
from typing import List

import torch
from torch import nn


class BnMlp(nn.Module):
    def __init__(self, dropout: bool):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.bn1 = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 16)
        self.bn2 = nn.BatchNorm1d(16)
        self.drop = nn.Dropout(0.2) if dropout else nn.Identity()
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        h = torch.relu(self.bn1(self.fc1(x)))
        h = torch.relu(self.bn2(self.fc2(h)))
        return self.out(self.drop(h))

    @torch.jit.export
    def norm_statistics(self) -> List[torch.Tensor]:
        return [
            self.bn1.running_mean.clone(), self.bn1.running_var.clone(),
            self.bn2.running_mean.clone(), self.bn2.running_var.clone(),
            self.bn1.num_batches_tracked.to(torch.float32).reshape(1),
            self.bn2.num_batches_tracked.to(torch.float32).reshape(1),
        ]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = os.path.join(here, "..", "resources", "models", "torchscript")
    os.makedirs(out_dir, exist_ok=True)
    for name, dropout in (("bn-mlp.pt", False), ("bn-mlp-dropout.pt", True)):
        torch.manual_seed(7)
        m = BnMlp(dropout)
        with torch.no_grad():
            for bn, shift in ((m.bn1, 0.25), (m.bn2, -0.5)):
                i = torch.arange(16, dtype=torch.float32)
                bn.running_mean.copy_(shift + 0.01 * i)
                bn.running_var.copy_(1.5 + 0.02 * i)
        torch.jit.script(m).save(os.path.join(out_dir, name))
        print("wrote", name)


if __name__ == "__main__":
    main()
