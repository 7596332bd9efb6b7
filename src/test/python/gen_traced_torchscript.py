#!/usr/bin/env python3
"""Writes src/test/resources/models/torchscript/bn-mlp-traced.pt: the BnMlp of gen_bn_torchscript.py
(with Dropout) saved with torch.jit.trace instead of torch.jit.script, in inference mode. Tracing
records the operations one forward pass ran, so its BatchNorm and Dropout layers are fixed in that
mode (their code never reads self.training): the pipeline must refuse to train it as if they were
not. Run with Debian's python3-torch:

    /usr/bin/python3 src/test/python/gen_traced_torchscript.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from gen_bn_torchscript import BnMlp  # noqa: E402

torch.manual_seed(7)
model = BnMlp(dropout=True).eval()
traced = torch.jit.trace(model, torch.zeros(2, 4))
out = os.path.join(os.path.dirname(__file__), "..", "resources", "models", "torchscript",
                   "bn-mlp-traced.pt")
traced.save(out)
print("wrote", os.path.normpath(out))
