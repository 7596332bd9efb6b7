#!/usr/bin/env python3
"""Generates the TorchScript kernels that Finetune4J's Updater runs for SGD steps.

    /usr/bin/python3 src/test/python/gen_sgd_kernels.py

writes src/main/resources/io/github/finetune4j/optim/sgd_kernels.pt: a module with no parameters
and no buffers (a few kB of TorchScript code), loaded by io.github.finetune4j.optim.FusedSgd. The
output is deterministic for a given torch and checkout path (the path of this script is kept as
debug information); commit it together with any change here.

Why: DJL's NDArray has no add(other, alpha), so torch.optim's update
param.add_(buf, alpha=-lr) needs a product into a new full-size temporary and a subtraction in
DJL (one more pass over memory and an allocation per tensor), and every operation is one JNI call.
Here the loop over all tensors and every operation run inside libtorch, with the very kernels and
operation order of torch.optim.SGD's _single_tensor_sgd (add with alpha is one FMA per element,
as in torch.optim), so the trajectories are torch's.

The difference from _single_tensor_sgd: the gradient tensors are used as scratch (the coupled
weight decay and Nesterov's look-ahead are added to them in place instead of into new tensors),
which gives the same values without any allocation. The caller guarantees that the gradients are
not read after the step (Updater documents this). The first step of a momentum buffer (buf =
clone(d_p)) is not here: Updater does it, so that every long-lived buffer is made outside the
inference mode in which DJL runs TorchScript methods.
"""

import os
from typing import List

import torch
from torch import Tensor

OUT = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "main", "resources", "io", "github", "finetune4j", "optim", "sgd_kernels.pt",
))


class SgdKernels(torch.nn.Module):
    """torch.optim.SGD's per-tensor update over lists of tensors, hyper-parameters per tensor."""

    @torch.jit.export
    def sgd_momentum(self, params: List[Tensor], grads: List[Tensor], bufs: List[Tensor],
                     lrs: List[float], weight_decays: List[float], momenta: List[float],
                     dampening: float, nesterov: bool) -> int:
        """Momentum step for tensors whose buffer exists; weight decay is coupled (0 for none)."""
        for i in range(len(params)):
            param = params[i]
            d_p = grads[i]
            weight_decay = weight_decays[i]
            if weight_decay != 0.0:
                # torch: d_p = d_p.add(param, alpha=weight_decay)
                d_p = d_p.add_(param, alpha=weight_decay)
            momentum = momenta[i]
            buf = bufs[i]
            if dampening == 0.0:
                # buf = d_p + momentum * buf in one pass (torch.optim: buf.mul_(m).add_(d_p), two
                # passes; the fused form rounds once where torch rounds twice: <= 0.5 ulp apart)
                torch.add(d_p, buf, alpha=momentum, out=buf)
            else:
                buf.mul_(momentum).add_(d_p, alpha=1.0 - dampening)
            if nesterov:
                # torch: d_p = d_p.add(buf, alpha=momentum)
                d_p = d_p.add_(buf, alpha=momentum)
            else:
                d_p = buf
            param.add_(d_p, alpha=-lrs[i])
        return len(params)

    @torch.jit.export
    def sgd_plain(self, params: List[Tensor], grads: List[Tensor], lrs: List[float],
                  weight_decays: List[float]) -> int:
        """Step without momentum; weight decay is coupled (0 for none)."""
        for i in range(len(params)):
            param = params[i]
            d_p = grads[i]
            weight_decay = weight_decays[i]
            if weight_decay != 0.0:
                d_p = d_p.add_(param, alpha=weight_decay)
            param.add_(d_p, alpha=-lrs[i])
        return len(params)


def main():
    module = torch.jit.script(SgdKernels())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    module.save(OUT)
    print("torch %s: wrote %s (%d bytes)" % (torch.__version__, OUT,
                                           os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
