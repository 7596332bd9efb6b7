#!/usr/bin/env python3
"""Generates the TorchScript kernels that Finetune4J's Updater runs for SGD, Adam and AdamW steps.

    /usr/bin/python3 src/test/python/gen_update_kernels.py

writes src/main/resources/io/github/finetune4j/optim/update_kernels.pt: a module with no parameters
and no buffers (a few kB of TorchScript code), loaded by io.github.finetune4j.optim.FusedKernels. The
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
    "..", "..", "main", "resources", "io", "github", "finetune4j", "optim", "update_kernels.pt",
))


class UpdateKernels(torch.nn.Module):
    """torch.optim's per-tensor updates over lists of tensors, hyper-parameters per tensor."""

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


    @torch.jit.export
    def adam(self, params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor],
             exp_avg_sqs: List[Tensor], max_exp_avg_sqs: List[Tensor],
             coupled_wds: List[float], decoupled_factors: List[float], beta1s: List[float],
             step_sizes: List[float], bias_correction2_sqrts: List[float],
             beta2: float, eps: float, amsgrad: bool) -> int:
        """torch.optim.Adam / AdamW (_single_tensor_adam, _single_tensor_adamw) over lists.

        Per tensor: coupled weight decay (Adam: grad + wd * param, 0 for none), the decoupled
        factor (AdamW: param * (1 - lr * wd), 1 for none), beta1 (cycled by one-cycle), the step
        size lr / (1 - beta1^t) and sqrt(1 - beta2^t). The gradient is scratch: it receives the
        coupled decay and then holds the denominator, which torch.optim allocates.
        """
        for i in range(len(params)):
            param = params[i]
            grad = grads[i]
            if coupled_wds[i] != 0.0:
                grad.add_(param, alpha=coupled_wds[i])
            if decoupled_factors[i] != 1.0:
                param.mul_(decoupled_factors[i])
            beta1 = beta1s[i]
            exp_avg = exp_avgs[i]
            exp_avg_sq = exp_avg_sqs[i]
            # torch >= 2.0 (_single_tensor_adam): exp_avg.lerp_(grad, 1 - beta1), one pass where
            # torch 1.13's exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1) takes two
            exp_avg.lerp_(grad, 1.0 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
            second = exp_avg_sq
            if amsgrad:
                second = max_exp_avg_sqs[i]
                torch.maximum(second, exp_avg_sq, out=second)
            # torch: denom = (second.sqrt() / bc2_sqrt).add_(eps);
            #        param.addcdiv_(exp_avg, denom, value=-step_size).
            # Here the algebraically equal form of Adam's paper (section 2, "efficient version"):
            # denom' = second.sqrt() + eps * bc2_sqrt, value = -step_size * bc2_sqrt, written into
            # grad: one pass over memory fewer, float32 rounding apart from torch's.
            bc2_sqrt = bias_correction2_sqrts[i]
            torch.sqrt(second, out=grad)
            grad.add_(eps * bc2_sqrt)
            param.addcdiv_(exp_avg, grad, value=-step_sizes[i] * bc2_sqrt)
        return len(params)


def main():
    module = torch.jit.script(UpdateKernels())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    module.save(OUT)
    print("torch %s: wrote %s (%d bytes)" % (torch.__version__, OUT,
                                           os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
