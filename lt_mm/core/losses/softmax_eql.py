"""Softmax equalization loss (SEQL; Tan et al., "Equalization Loss for
Long-Tailed Object Recognition", CVPR 2020, Sec. 5 on image classification).

Tail classes, whose training frequency n_j / sum(n) is below lambda, are
taken out of the softmax denominator of other classes' samples, at random:

    p_j = e^{z_j} / sum_k w_k e^{z_k},
    w_k = 1 - beta_k * T_lambda(f_k) * (1 - y_k),  beta_k ~ Bernoulli(gamma),

so a head-class sample does not push a tail logit down with probability
gamma. The sample's own class is never suppressed. CIFAR defaults gamma = 0.9,
lambda = 0.005. w_k = 0 is applied as an infinitely negative logit.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .soft_target import expected_hard_loss


def tail_classes(counts, lambda_: float = 0.005) -> Tensor:
    """(C, ) bool: classes whose frequency n_j / sum(n) is below lambda.

    Args:
        counts (Sequence[float] | Tensor): (C, ) class counts n_j.
        lambda_ (float): Frequency threshold lambda. Defaults to 0.005.

    Returns:
        Tensor: (C, ) bool, T_lambda(f_j).
    """
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if counts.dim() != 1 or not len(counts) or counts.sum() <= 0:
        raise ValueError('class counts must be a non-empty 1-D sequence with '
                         'a positive sum')
    return counts / counts.sum() < lambda_


def sample_suppression(tail: Tensor,
                       num_samples: int,
                       gamma: float = 0.9,
                       generator: Optional[torch.Generator] = None
                       ) -> Tensor:
    """(N, C) bool: beta_k * T_lambda(f_k) drawn for every sample."""
    if not 0 <= gamma <= 1:
        raise ValueError(f'gamma must lie in [0, 1], got {gamma}')
    draw = torch.rand((num_samples, len(tail)), generator=generator,
                      device=tail.device)
    return tail[None, :] & (draw < gamma)


def softmax_eql_loss(logits: Tensor, target: Tensor,
                     suppressed: Tensor) -> Tensor:
    """Softmax EQL of each sample.

    Args:
        logits (Tensor): (N, C).
        target (Tensor): (N, C) soft (or one-hot) target.
        suppressed (Tensor): (N, C) bool, the classes taken out of each
            sample's denominator (from :func:`sample_suppression`); the
            label's own class is put back.

    Returns:
        Tensor: (N, ) losses.
    """
    def hard(z: Tensor, labels: Tensor, rows: Tensor) -> Tensor:
        mask = suppressed[rows].scatter(1, labels[:, None], False)
        z = z.masked_fill(mask, float('-inf'))
        return F.cross_entropy(z, labels, reduction='none')

    return expected_hard_loss(hard, logits, target)
