"""Reference values for MaxPoolingTest: sentence-transformers' max pooling in torch.

sentence-transformers' Pooling(pooling_mode_max_tokens=True) sets the padded positions to -1e9 and
takes the maximum over the tokens: token_embeddings[input_mask_expanded == 0] = -1e9, then
torch.max(token_embeddings, 1)[0]. The input here is the test's: hidden[b, t, h] =
((b*T*H + t*H + h) * 37 % 97 - 48) / 8 (all different, exact in float32), B = 3, T = 5, H = 4,
with 5, 3 and 1 real tokens. The gradient is that of sum(pooled * w), w = (1, 2, 3, 4).

Usage: python3 max_pooling_reference.py -> JSON on stdout
"""
import json

import torch

B, T, H = 3, 5, 4
LENGTHS = [5, 3, 1]


def main():
    hidden = torch.tensor(
        [[[((b * T * H + t * H + h) * 37 % 97 - 48) / 8 for h in range(H)] for t in range(T)]
         for b in range(B)],
        dtype=torch.float32,
        requires_grad=True,
    )
    mask = torch.tensor([[1 if t < n else 0 for t in range(T)] for n in LENGTHS])
    expanded = mask.unsqueeze(-1).expand(hidden.size())
    tokens = hidden.clone()
    tokens[expanded == 0] = -1e9
    pooled = torch.max(tokens, 1)[0]
    (pooled * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    unmasked = torch.max(hidden.detach(), 1)[0]
    print(json.dumps({
        "pooled": pooled.detach().tolist(),
        "grad": hidden.grad.tolist(),
        # where a padded position would win without the mask (the test is only as good as this)
        "padding_would_win": int((unmasked != pooled.detach()).sum()),
    }))


if __name__ == "__main__":
    main()
