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

Writes src/test/resources/models/torchscript/bn-mlp.pt (no dropout) and bn-mlp-dropout.pt, and
tiny-resnet.pt: ResNet-shaped nesting (Sequential, ModuleList, blocks with a downsampling
shortcut, mangled duplicate classes) for the module-tree reader and the layer names.
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


class Basic(nn.Module):
    """A ResNet basic block: conv-bn-relu-conv-bn, plus a downsampling shortcut when asked."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Sequential()
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.downsample(x))


class TinyResNet(nn.Module):
    """ResNet-shaped nesting (stem, ModuleList of Sequential stages of blocks, head) for names."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, 1, 1, bias=False), nn.BatchNorm2d(4), nn.ReLU())
        self.stages = nn.ModuleList([
            nn.Sequential(Basic(4, 4, 1), Basic(4, 8, 2)),
            nn.Sequential(Basic(8, 8, 2)),
        ])
        self.drop = nn.Dropout(0.1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return self.fc(self.drop(torch.flatten(torch.mean(x, dim=(2, 3), keepdim=True), 1)))


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
    torch.manual_seed(7)
    torch.jit.script(TinyResNet()).save(os.path.join(out_dir, "tiny-resnet.pt"))
    print("wrote tiny-resnet.pt")


if __name__ == "__main__":
    main()
