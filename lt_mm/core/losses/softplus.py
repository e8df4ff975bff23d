"""Linear reductions of softplus(z) = log(1 + e^z) for the sigmoid losses.

On the CPU, ``F.softplus`` (like ``log1p``, ``logsigmoid`` and
``binary_cross_entropy_with_logits``) goes through PyTorch's vectorised
``log1p``, which runs scalar code when ATen dispatches to AVX-512: about 7x
slower than ``log``, and alone several times a softmax cross-entropy over
the same logits. The sigmoid losses compute ``sigmoid(z)`` for their
gradient anyway, and

    softplus(z) = max(z, 0) - log(sigmoid(|z|)),
    sigmoid(|z|) = max(sigmoid(z), 1 - sigmoid(z))  in [1/2, 1],

where ``log`` is well conditioned: the error stays at float rounding, as
``F.softplus``'s does, and no z overflows. The losses only need softplus reduced linearly (a matrix product,
a row-wise dot), so both terms go through one scratch (N, K) buffer: at this
size a fresh allocation costs about as much as a pass over it.
"""
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def reduce_softplus(logits: Tensor, prob: Tensor,
                    reduce: Callable[[Tensor], Tensor]) -> Tensor:
    """``reduce(F.softplus(logits))`` for a linear ``reduce``, given
    ``prob = sigmoid(logits)``. ``reduce`` may overwrite its argument.

    Off the CPU this is ``reduce(F.softplus(logits))``: there one fused
    kernel beats the passes here.
    """
    if logits.device.type != 'cpu':
        return reduce(F.softplus(logits))
    buffer = torch.rsub(prob, 1)
    log_sigmoid_abs = reduce(torch.maximum(prob, buffer, out=buffer).log_())
    return reduce(torch.clamp_min(logits, 0, out=buffer)) - log_sigmoid_abs
