"""Focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV
2017) in the two forms long-tailed classification uses.

Softmax form (the long-tailed papers' "Focal"), for label y and p = softmax(z):

    L = w_y * (1 - p_y)^gamma * (-log p_y).

Sigmoid form (class-balanced focal, Cui et al. CVPR 2019), sigma = sigmoid(z):

    L = w_y * sum_k (1 - p_k)^gamma * BCE(z_k, [k = y]),
    p_k = sigma_k if k = y else 1 - sigma_k.

gamma = 0 turns either into the (weighted) softmax / sigmoid cross-entropy.
With a soft target both are the expectation over labels (see
:mod:`lt_mm.core.losses.soft_target`).
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .soft_target import expected_class_loss


def _check_gamma(gamma: float) -> None:
    if gamma < 0:
        raise ValueError(f'gamma must be non-negative, got {gamma}')


def softmax_focal_loss(logits: Tensor,
                       target: Tensor,
                       gamma: float = 1.0,
                       class_weights: Optional[Tensor] = None) -> Tensor:
    """Softmax focal loss of each sample.

    Args:
        logits (Tensor): (N, C).
        target (Tensor): (N, C) soft (or one-hot) target.
        gamma (float): Focusing parameter. Defaults to 1.
        class_weights (Tensor, optional): (C, ) weight of each label.

    Returns:
        Tensor: (N, ) losses.
    """
    _check_gamma(gamma)
    log_p = F.log_softmax(logits, dim=1)
    class_losses = -log_p
    if gamma > 0:
        # p rounds to 1 for a confident sample: the clamp keeps the power's
        # gradient finite there (where the factor is 0 anyway).
        one_minus_p = (1 - log_p.exp()).clamp(min=torch.finfo(
            log_p.dtype).tiny)
        class_losses = class_losses * one_minus_p.pow(gamma)
    return expected_class_loss(class_losses, target, class_weights)


def sigmoid_focal_loss(logits: Tensor,
                       target: Tensor,
                       gamma: float = 1.0,
                       class_weights: Optional[Tensor] = None) -> Tensor:
    """Sigmoid focal loss of each sample, summed over the C channels.

    For a soft target t and label weights w, the expectation over labels is
    ``sum_k [t_k w_k pos_k + (W - t_k w_k) neg_k]`` with ``W = sum_j t_j w_j``,
    ``pos_k = (1 - sigma_k)^gamma (-log sigma_k)`` and
    ``neg_k = sigma_k^gamma (-log(1 - sigma_k))``.

    Args:
        logits (Tensor): (N, C).
        target (Tensor): (N, C) soft (or one-hot) target t.
        gamma (float): Focusing parameter. Defaults to 1.
        class_weights (Tensor, optional): (C, ) weight w of each label.
            Defaults to None (all 1).

    Returns:
        Tensor: (N, ) losses.
    """
    _check_gamma(gamma)
    target = target.to(logits)
    if class_weights is not None:
        target = target * class_weights.to(logits)
    # -log sigma(z) = softplus(-z), -log(1 - sigma(z)) = softplus(z)
    pos, neg = F.softplus(-logits), F.softplus(logits)
    if gamma > 0:
        # (1 - sigma)^gamma = exp(-gamma softplus(z)), sigma^gamma likewise
        pos = pos * (-gamma * neg).exp()
        neg = neg * (-gamma * F.softplus(-logits)).exp()
    total = target.sum(1, keepdim=True)
    return (target * pos + (total - target) * neg).sum(1)
