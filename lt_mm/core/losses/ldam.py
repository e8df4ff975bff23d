"""LDAM loss (Cao et al., "Learning Imbalanced Datasets with
Label-Distribution-Aware Margin Loss", NeurIPS 2019).

Class j gets the margin m_j proportional to n_j^(-1/4), scaled so that the
largest margin (the rarest class) is ``max_m`` (0.5). On a cosine classifier
with logits z = s * cos(theta) (s = 30), the loss for label y is

    L = -w_y * log softmax(z - s * m_y * e_y)_y,

the cross-entropy after taking s * m_y from the true class's logit. The
per-class weights w are 1, or the class-balanced weights once deferred
re-weighting (DRW) starts (epoch 160 of 200 on CIFAR-LT); the authors then
average the batch by its weight, sum_i w_{y_i} L_i / sum_i w_{y_i}
(:mod:`lt_mm.core.losses.weighted_reduction`).
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .soft_target import expected_hard_loss


def ldam_margins(counts, max_m: float = 0.5) -> Tensor:
    """(C, ) float64 margins m_j = max_m * (n_min / n_j)^(1/4).

    A class without samples counts as one sample (the largest margin).

    Args:
        counts (Sequence[float] | Tensor): (C, ) class counts n_j.
        max_m (float): The largest margin, in cosine units. Defaults to 0.5.

    Returns:
        Tensor: (C, ) float64 margins.
    """
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if counts.dim() != 1 or not len(counts) or (counts < 0).any():
        raise ValueError('class counts must be a non-empty 1-D sequence of '
                         'non-negative numbers')
    if max_m <= 0:
        raise ValueError(f'max_m must be positive, got {max_m}')
    margins = counts.clamp(min=1).pow(-0.25)
    return margins * (max_m / margins.max())


def ldam_loss(logits: Tensor,
              target: Tensor,
              margins: Tensor,
              scale: float = 30.0,
              class_weights: Optional[Tensor] = None) -> Tensor:
    """LDAM loss of each sample.

    Args:
        logits (Tensor): (N, C) scaled cosines s * cos(theta).
        target (Tensor): (N, C) soft (or one-hot) target; a soft target takes
            the expectation of the hard-label loss over its non-zero entries.
        margins (Tensor): (C, ) margins m_j in cosine units.
        scale (float): s, the scale of the cosine logits. Defaults to 30.
        class_weights (Tensor, optional): (C, ) weight of each label.

    Returns:
        Tensor: (N, ) losses.
    """
    shifts = scale * margins.to(logits)
    weights = None if class_weights is None else class_weights.to(logits)

    def hard(z: Tensor, labels: Tensor, rows: Tensor) -> Tensor:
        z = z.scatter_add(1, labels[:, None], -shifts[labels][:, None])
        loss = F.cross_entropy(z, labels, reduction='none')
        return loss if weights is None else loss * weights[labels]

    return expected_hard_loss(hard, logits, target)
