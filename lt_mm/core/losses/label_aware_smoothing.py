"""Label-aware smoothing (Zhong et al., "Improving Calibration for
Long-Tailed Recognition" (MiSLAS), CVPR 2021).

Label smoothing whose factor grows with the class size: a sample of class y
has the target (1 - eps_y) e_y + eps_y / C. With n_1 the largest and n_K the
smallest class count, the authors' "concave" (sine) schedule is

    eps_y = eps_tail + (eps_head - eps_tail)
                       * sin(pi / 2 * (n_y - n_K) / (n_1 - n_K)),

and the "linear" one replaces the sine by its argument's fraction. CIFAR-100-LT
defaults: eps_head = 0.4, eps_tail = 0.1, concave. When all classes are equal
in size every class takes eps_head. The loss is linear in the target, so a
soft target t gives the target sum_j t_j ((1 - eps_j) e_j + eps_j / C).
"""
import math

import torch
from torch import Tensor

from .soft_target import soft_cross_entropy

SHAPES = ('concave', 'linear')


def label_aware_smoothing_factors(counts,
                                  eps_head: float = 0.4,
                                  eps_tail: float = 0.1,
                                  shape: str = 'concave') -> Tensor:
    """(C, ) float64 smoothing factor eps_j of each class.

    Args:
        counts (Sequence[float] | Tensor): (C, ) class counts.
        eps_head (float): eps of the largest class. Defaults to 0.4.
        eps_tail (float): eps of the rarest class. Defaults to 0.1.
        shape (str): 'concave' (a sine of the normalised count) or
            'linear'. Defaults to 'concave'.

    Returns:
        Tensor: (C, ) float64 smoothing factors.
    """
    if shape not in SHAPES:
        raise ValueError(f'shape must be one of {SHAPES}, got {shape!r}')
    if not (0 <= eps_tail <= 1 and 0 <= eps_head <= 1):
        raise ValueError('smoothing factors must lie in [0, 1]')
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if counts.dim() != 1 or not len(counts) or (counts < 0).any():
        raise ValueError('class counts must be a non-empty 1-D sequence of '
                         'non-negative numbers')
    spread = counts.max() - counts.min()
    if spread == 0:
        return torch.full_like(counts, eps_head)
    fraction = (counts - counts.min()) / spread
    if shape == 'concave':
        fraction = torch.sin(fraction * (math.pi / 2))
    return eps_tail + (eps_head - eps_tail) * fraction


def label_aware_smoothing_loss(logits: Tensor, target: Tensor,
                               eps: Tensor) -> Tensor:
    """Cross-entropy against label-aware smoothed targets.

    Args:
        logits (Tensor): (N, C).
        target (Tensor): (N, C) soft (or one-hot) target.
        eps (Tensor): (C, ) smoothing factor of each class.

    Returns:
        Tensor: (N, ) losses.
    """
    target = target.to(logits)
    eps = eps.to(logits)
    smoothed = target * (1 - eps) + (target @ eps)[:, None] / logits.shape[1]
    return soft_cross_entropy(logits, smoothed)
