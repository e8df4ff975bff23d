"""Equalization Loss v2 (Tan et al., "Equalization Loss v2: A New
Gradient Balance Approach for Long-tailed Object Detection", CVPR 2021).

Sigmoid BCE over C class logits plus one class-agnostic objectness logit
(target 1 for background RoIs). For each class j the loss accumulates, over
all steps and ranks, the magnitude of the weighted gradients it received

    pos_j += sum_{positives of j} |sigma(z_j) - 1| * w,
    neg_j += sum_{negatives of j} sigma(z_j) * w,

and re-weights with g_j = pos_j / neg_j:

    q_j = 1 / (1 + exp(-gamma (g_j - mu)))     weight of j's negatives,
    r_j = 1 + alpha (1 - q_j)                  weight of j's positives.

The objectness channel keeps weight 1. A class without negative gradients
yet (the very first step) has g_j = inf, so every weight starts at 1.
"""
from typing import Tuple

import torch
from torch import Tensor


def eqlv2_weights(pos_grad: Tensor,
                  neg_grad: Tensor,
                  gamma: float = 12.0,
                  mu: float = 0.8,
                  alpha: float = 4.0) -> Tuple[Tensor, Tensor]:
    """Per-class (positive, negative) weights from the gradient sums."""
    ratio = torch.where(neg_grad > 0, pos_grad / (neg_grad + 1e-10),
                        torch.full_like(pos_grad, float('inf')))
    neg_w = torch.sigmoid(gamma * (ratio - mu))
    pos_w = 1 + alpha * (1 - neg_w)
    return pos_w, neg_w


def eqlv2_gradient_sums(logits: Tensor, targets: Tensor,
                        weights: Tensor) -> Tuple[Tensor, Tensor]:
    """Per-channel sums of |dBCE/dz| * w over positives and negatives.

    Args:
        logits, targets, weights (Tensor): (N, K), detached.
    Returns:
        tuple[Tensor]: (K, ) positive and negative gradient sums.
    """
    prob = torch.sigmoid(logits)
    grad = torch.where(targets > 0, 1 - prob, prob) * weights
    return (grad * targets).sum(0), (grad * (1 - targets)).sum(0)
