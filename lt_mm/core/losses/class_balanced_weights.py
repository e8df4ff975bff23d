"""Per-class loss weights from training class counts.

Class-balanced weights (Cui et al., "Class-Balanced Loss Based on Effective
Number of Samples", CVPR 2019): the effective number of class j is
E_j = (1 - beta^{n_j}) / (1 - beta), and its weight

    w_j = (1 - beta) / (1 - beta^{n_j}),  normalised so that sum_j w_j = C.

beta = 0 gives uniform weights, beta -> 1 inverse frequency. The weighted
softmax ("re-weighting") baseline uses w_j proportional to 1 / n_j, also
normalised to sum C. A class without training samples counts as one sample:
it never occurs as a label, and its weight stays finite.
"""
import torch
from torch import Tensor


def _counts(counts) -> Tensor:
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if counts.dim() != 1 or not len(counts):
        raise ValueError('class counts must be a non-empty 1-D sequence')
    if (counts < 0).any():
        raise ValueError('class counts must be non-negative')
    return counts.clamp(min=1)


def _normalised(weights: Tensor) -> Tensor:
    return weights * (len(weights) / weights.sum())


def class_balanced_weights(counts, beta: float = 0.9999) -> Tensor:
    """(C, ) float64 class-balanced weights, summing to C.

    Args:
        counts (Sequence[float] | Tensor): (C, ) class counts n_j.
        beta (float): In [0, 1); w_j is proportional to
            ``(1 - beta) / (1 - beta^{n_j})``. Defaults to 0.9999.

    Returns:
        Tensor: (C, ) float64 weights.
    """
    if not 0 <= beta < 1:
        raise ValueError(f'beta must lie in [0, 1), got {beta}')
    counts = _counts(counts)
    beta = torch.tensor(beta, dtype=torch.float64)
    # (1 - beta^n) written as -expm1(n log beta) keeps precision for beta
    # close to 1, where 1 - beta^n is a difference of nearly equal numbers.
    effective = -torch.expm1(counts * torch.log(beta)) if beta > 0 else \
        torch.ones_like(counts)
    return _normalised((1 - beta) / effective)


def inverse_frequency_weights(counts) -> Tensor:
    """(C, ) float64 weights proportional to 1 / n_j, summing to C.

    Args:
        counts (Sequence[float] | Tensor): (C, ) class counts n_j.

    Returns:
        Tensor: (C, ) float64 weights.
    """
    return _normalised(1 / _counts(counts))
