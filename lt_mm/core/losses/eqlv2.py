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
import torch.nn.functional as F
from torch import Tensor

from .softplus import reduce_softplus


def eqlv2_weights(pos_grad: Tensor,
                  neg_grad: Tensor,
                  gamma: float = 12.0,
                  mu: float = 0.8,
                  alpha: float = 4.0) -> Tuple[Tensor, Tensor]:
    """Per-class (positive, negative) weights from the gradient sums.

    Args:
        pos_grad (Tensor): (K, ) accumulated positive gradients pos_j.
        neg_grad (Tensor): (K, ) accumulated negative gradients neg_j.
        gamma (float): Slope of the negative weight. Defaults to 12.
        mu (float): Centre of the negative weight. Defaults to 0.8.
        alpha (float): Scale of the positive weight. Defaults to 4.

    Returns:
        tuple[Tensor]: (K, ) positive weights r_j and negative weights q_j.
    """
    # 0 / 0 before the first step counts as g = inf: every weight is 1
    inf = float('inf')
    ratio = (pos_grad / neg_grad).nan_to_num_(nan=inf, posinf=inf)
    neg_w = torch.sigmoid(gamma * (ratio - mu))
    pos_w = neg_w * -alpha + (1 + alpha)  # 1 + alpha (1 - q)
    return pos_w, neg_w


class _ClassWeightedBCE(torch.autograd.Function):
    """Rows of :func:`class_weighted_bce`; the sigmoid is computed once and
    serves the backward and the gradient statistics. The gradient,
    ``w_ij (sigma(z_ij) - t_ij)``, is written in one (N, K) pass plus a
    scatter into the target column, where autograd through ``gather`` would
    allocate and add a full (N, K) tensor per gathered term."""

    @staticmethod
    def forward(ctx, logits, labels, pos_w, neg_w):
        prob = torch.sigmoid(logits)
        index = labels[:, None]
        pw, nw = pos_w[labels], neg_w[labels]
        logits_t = logits.gather(1, index)[:, 0]
        loss = reduce_softplus(logits, prob, lambda x: x @ neg_w) \
            + (pw - nw) * F.softplus(logits_t) - pw * logits_t
        ctx.save_for_backward(prob, labels, pw, nw, neg_w)
        ctx.mark_non_differentiable(prob)
        return loss, prob

    @staticmethod
    def backward(ctx, grad_loss, grad_prob):
        prob, labels, pw, nw, neg_w = ctx.saved_tensors
        index = labels[:, None]
        grad = prob * neg_w
        prob_t = prob.gather(1, index)
        grad.scatter_add_(1, index, (pw - nw)[:, None] * prob_t - pw[:, None])
        return grad.mul_(grad_loss[:, None]), None, None, None


def class_weighted_bce(logits: Tensor, labels: Tensor, pos_w: Tensor,
                       neg_w: Tensor) -> Tuple[Tensor, Tensor]:
    """Per-row sum_j w_ij * BCE(z_ij, t_ij) for one-hot targets t.

    w_ij = pos_w_j where j = y_i, neg_w_j elsewhere. With
    BCE(z, t) = softplus(z) - t z the sum is

        sum_j neg_w_j softplus(z_ij) + (pos_w_y - neg_w_y) softplus(z_iy)
        - pos_w_y z_iy,

    one matrix-vector product instead of several (N, K) passes.

    Args:
        logits (Tensor): (N, K) logits.
        labels (Tensor): (N, ) targets in [0, K).
        pos_w (Tensor): (K, ) weights of each channel's positives.
        neg_w (Tensor): (K, ) weights of each channel's negatives.

    Returns:
        tuple[Tensor]: (N, ) losses and the (N, K) ``sigmoid(logits)``
        (no gradient), for :func:`eqlv2_gradient_sums`.
    """
    return _ClassWeightedBCE.apply(logits, labels, pos_w, neg_w)


@torch.no_grad()
def eqlv2_gradient_sums(prob: Tensor, labels: Tensor, pos_w: Tensor,
                        neg_w: Tensor,
                        row_w: Tensor) -> Tuple[Tensor, Tensor]:
    """Per-channel sums of |dBCE/dz| * w over positives and negatives.

    With w_ij = row_w_i * (pos_w_j at the target, neg_w_j elsewhere):
    pos_j = pos_w_j * sum_{i: y_i = j} row_w_i (1 - sigma(z_ij)) and
    neg_j = neg_w_j * (sum_i row_w_i sigma(z_ij) - the same over y_i = j).

    Args:
        prob (Tensor): (N, K) ``sigmoid(logits)``.
        labels (Tensor): (N, ) targets in [0, K).
        pos_w (Tensor): (K, ) weights of each channel's positives.
        neg_w (Tensor): (K, ) weights of each channel's negatives.
        row_w (Tensor): (N, ) weights of the rows.

    Returns:
        tuple[Tensor]: (K, ) positive and negative gradient sums.
    """
    prob_t = prob.gather(1, labels[:, None])[:, 0]
    # index_add_, not bincount: bincount reads the labels' range on the host,
    # a device sync per call on CUDA
    pos = pos_w.new_zeros(prob.size(1)).index_add_(0, labels,
                                                   row_w * (1 - prob_t))
    # autocast would run the product in half precision (--amp): the sums
    # stay in the inputs' precision
    with torch.autocast(prob.device.type, enabled=False):
        neg = (row_w @ prob).index_add_(0, labels, row_w * prob_t, alpha=-1)
    return pos_w * pos, neg_w * neg
