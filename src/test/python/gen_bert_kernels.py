#!/usr/bin/env python3
"""Generates the TorchScript kernel that runs one BERT encoder layer with bfloat16 matrix products.

    /usr/bin/python3 src/test/python/gen_bert_kernels.py

writes src/main/resources/io/github/finetune4j/model/bert/bert_kernels.pt: a module with no
parameters and no buffers (a few kB of TorchScript code), loaded by
io.github.finetune4j.model.bert.BertKernels. Commit it together with any change here.

Why: DJL 0.36 cannot make a bfloat16 NDArray on this engine (NDArray.toType(BFLOAT16) aborts the
JVM), but libtorch itself can: inside a TorchScript method the layer's inputs and weights are cast
to bfloat16 for the six linear layers and the two attention products, while the residual stream,
the softmax, the LayerNorms and everything the caller sees stay float32 (torch.autocast's CPU
policy for these operations). The weights passed in are the float32 master weights; the casts are
part of the autograd graph, so their gradients arrive in float32.

The arithmetic is that of io.github.finetune4j.model.bert.BertModules.Layer (Hugging Face's
BertLayer): scores / sqrt(head size) + additive mask, softmax, dropout on the probabilities,
dense + dropout + residual + LayerNorm after attention and after the feed-forward part, exact
(erf) GELU. Dropout uses libtorch's default generator, as DJL's dropout does.

The last argument, cfg, is a float32 tensor [heads, eps, hidden dropout, attention dropout,
training (0/1)], because DJL's module_method call passes tensors only.
"""

import math
import os

import torch
import torch.nn.functional as F
from torch import Tensor

OUT = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "main", "resources", "io", "github", "finetune4j", "model", "bert",
    "bert_kernels.pt",
))


class BertKernels(torch.nn.Module):
    """One encoder layer with bfloat16 matrix products."""

    @torch.jit.export
    def layer_bf16(self, x: Tensor, mask: Tensor,
                   qw: Tensor, qb: Tensor, kw: Tensor, kb: Tensor, vw: Tensor, vb: Tensor,
                   aow: Tensor, aob: Tensor, ln1w: Tensor, ln1b: Tensor,
                   iw: Tensor, ib: Tensor, ow: Tensor, ob: Tensor, ln2w: Tensor, ln2b: Tensor,
                   cfg: Tensor) -> Tensor:
        bf = torch.bfloat16
        heads = int(cfg[0].item())
        eps = float(cfg[1].item())
        p_hidden = float(cfg[2].item())
        p_attn = float(cfg[3].item())
        training = bool(cfg[4].item() > 0.5)
        b, t, h = x.shape[0], x.shape[1], x.shape[2]
        hs = h // heads
        xb = x.to(bf)
        q = F.linear(xb, qw.to(bf), qb.to(bf)).view(b, t, heads, hs).transpose(1, 2)
        k = F.linear(xb, kw.to(bf), kb.to(bf)).view(b, t, heads, hs).transpose(1, 2)
        v = F.linear(xb, vw.to(bf), vb.to(bf)).view(b, t, heads, hs).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(2, 3)).float() / math.sqrt(hs) + mask
        probs = F.dropout(F.softmax(scores, dim=-1), p_attn, training)
        context = torch.matmul(probs.to(bf), v).transpose(1, 2).reshape(b, t, h)
        a = F.dropout(F.linear(context, aow.to(bf), aob.to(bf)).float(), p_hidden, training)
        a = F.layer_norm(a + x, [h], ln1w, ln1b, eps)
        i = F.gelu(F.linear(a.to(bf), iw.to(bf), ib.to(bf)))
        o = F.dropout(F.linear(i, ow.to(bf), ob.to(bf)).float(), p_hidden, training)
        return F.layer_norm(o + a, [h], ln2w, ln2b, eps)


def reference(x, mask, w, heads, eps):
    """The same layer in float32 (dropout off), for the check below."""
    b, t, h = x.shape
    hs = h // heads
    q = F.linear(x, w[0], w[1]).view(b, t, heads, hs).transpose(1, 2)
    k = F.linear(x, w[2], w[3]).view(b, t, heads, hs).transpose(1, 2)
    v = F.linear(x, w[4], w[5]).view(b, t, heads, hs).transpose(1, 2)
    probs = F.softmax(torch.matmul(q, k.transpose(2, 3)) / math.sqrt(hs) + mask, dim=-1)
    c = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, h)
    a = F.layer_norm(F.linear(c, w[6], w[7]) + x, [h], w[8], w[9], eps)
    o = F.linear(F.gelu(F.linear(a, w[10], w[11])), w[12], w[13])
    return F.layer_norm(o + a, [h], w[14], w[15], eps)


def main():
    module = torch.jit.script(BertKernels())
    torch.manual_seed(0)
    h, inter, heads = 64, 256, 4
    shapes = [(h, h), (h,)] * 4 + [(h,), (h,), (inter, h), (inter,), (h, inter), (h,), (h,), (h,)]
    w = [torch.randn(s) * 0.05 for s in shapes]
    w[8] = torch.ones(h)
    w[14] = torch.ones(h)
    x = torch.randn(2, 7, h)
    mask = torch.zeros(2, 1, 1, 7)
    mask[1, :, :, 5:] = -10000.0
    cfg = torch.tensor([heads, 1e-12, 0.1, 0.1, 0.0])
    got = module.layer_bf16(x, mask, *w, cfg)
    want = reference(x, mask, w, heads, 1e-12)
    err = (got - want).abs().max().item()
    assert got.dtype == torch.float32 and err < 0.1, err
    print(f"bf16 layer vs float32: max abs difference {err:.4f} (LayerNorm outputs ~1)")
    module.save(OUT)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
