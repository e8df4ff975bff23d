"""Equalized Focal Loss (Li et al., "Equalized Focal Loss for Dense
Long-Tailed Object Detection", CVPR 2022, arXiv 2201.02593).

A sigmoid focal loss over C class logits (no background logit; a background
anchor has an all-zero target) whose focusing factor and weight depend on
the class j:

    gamma_j = gamma_b + s * (1 - g_j),        weight_j = gamma_j / gamma_b,
    L = sum_j weight_j * alpha_t * (1 - q_j)^gamma_j * (-log q_j),

with q_j = sigmoid(z_j) for a positive label and 1 - sigmoid(z_j) for a
negative one, and alpha_t = alpha for a positive label, 1 - alpha otherwise.
g_j = min(1, pos_j / (neg_j + 1e-10)) is the ratio of the accumulated
absolute gradients of class j's logit at its positive and at its negative
anchors (ModelTC/United-Perception, up/tasks/det/plugins/efl/models/losses/
efl.py L75-L91 for the loss, L105-L114 for the ratio). A rare class, whose
negatives outweigh its positives, gets a larger gamma (easy negatives weigh
less) and a larger weight.

The authors start ``pos_neg`` (g) at 1 before the first update (efl.py
L44), so the very first step is the plain focal loss; a class without any
statistics (pos_j = neg_j = 0) keeps g_j = 1 here as well. After one update
every class has received negative gradients, and a class never seen as a
positive has g_j = 0: gamma_b + s.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from .focal import binary_focal_loss_and_grad

#: The authors' guard in ``pos_grad / (neg_grad + 1e-10)`` (efl.py L114).
RATIO_EPS = 1e-10


def efl_focusing_factors(pos_grad: Tensor,
                         neg_grad: Tensor,
                         gamma_b: float = 2.0,
                         scale: float = 8.0) -> Tuple[Tensor, Tensor]:
    """Per-class focusing factors and weights from the gradient statistics.

    Args:
        pos_grad (Tensor): (C, ) accumulated absolute gradients of each
            class's logit at its positive anchors, pos_j.
        neg_grad (Tensor): (C, ) the same at its negative anchors, neg_j.
        gamma_b (float): The base focusing factor gamma_b, > 0. Defaults
            to 2.
        scale (float): The scale factor s. Defaults to 8.

    Returns:
        tuple[Tensor]: (C, ) focusing factors
        ``gamma_j = gamma_b + s (1 - g_j)`` and weights
        ``gamma_j / gamma_b``, ``g_j = min(1, pos_j / (neg_j + 1e-10))``
        (1 for a class without statistics).
    """
    if gamma_b <= 0:
        raise ValueError(f'gamma_b must be positive, got {gamma_b}')
    ratio = (pos_grad / (neg_grad + RATIO_EPS)).clamp_(0, 1)
    no_statistics = (pos_grad == 0) & (neg_grad == 0)
    ratio = ratio.masked_fill_(no_statistics, 1)
    gamma = (1 - ratio).mul_(scale).add_(gamma_b)
    return gamma, gamma / gamma_b


class _EqualizedFocal(torch.autograd.Function):
    """Rows of :func:`equalized_focal_loss`. The forward pass computes the
    gradient with the loss (the statistics need it before any backward
    pass); the backward pass only scales it."""

    @staticmethod
    def forward(ctx, logits, labels, gamma, weight, alpha):
        classes = torch.arange(logits.size(1), device=logits.device)
        positive = labels[:, None] == classes  # background (C) matches none
        margin = torch.where(positive, logits, -logits)
        loss, grad = binary_focal_loss_and_grad(margin, gamma)
        if alpha is None:
            factor = weight.expand_as(loss)
        else:
            factor = torch.where(positive, alpha * weight,
                                 (1 - alpha) * weight)
        loss.mul_(factor)
        # d/dz = d/dm for a positive label, -d/dm for a negative one
        grad = torch.where(positive, grad, -grad).mul_(factor)
        ctx.save_for_backward(grad)
        ctx.mark_non_differentiable(grad)
        return loss.sum(1), grad

    @staticmethod
    def backward(ctx, grad_loss, grad_grad):
        grad, = ctx.saved_tensors
        return grad * grad_loss[:, None], None, None, None, None


def equalized_focal_loss(logits: Tensor,
                         labels: Tensor,
                         gamma: Tensor,
                         weight: Tensor,
                         alpha: Optional[float] = 0.25
                         ) -> Tuple[Tensor, Tensor]:
    """Equalized focal loss of each sample, summed over the C channels.

    Args:
        logits (Tensor): (N, C) class logits.
        labels (Tensor): (N, ) labels in [0, C]; C is background (every
            channel negative).
        gamma (Tensor): (C, ) focusing factors gamma_j (no gradient).
        weight (Tensor): (C, ) weights gamma_j / gamma_b (no gradient).
        alpha (float, optional): Weight of the positive labels; negatives
            weigh 1 - alpha. None weighs both 1. Defaults to 0.25.

    Returns:
        tuple[Tensor]: (N, ) losses, and (N, C) the gradient of their sum
        with respect to ``logits`` (no gradient), for
        :func:`efl_gradient_sums`.
    """
    if logits.dim() != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f'logits (N, C) and labels (N, ) expected, got '
                         f'{tuple(logits.shape)} and {tuple(labels.shape)}')
    return _EqualizedFocal.apply(logits, labels, gamma.to(logits),
                                 weight.to(logits), alpha)


@torch.no_grad()
def efl_gradient_sums(grad: Tensor,
                      labels: Tensor,
                      row_scale: Tensor,
                      keep: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """Per-class sums of the absolute gradients at positive and negative
    labels.

    With the loss's gradient G_ij with respect to z_ij of row i's own loss,
    and s_i the derivative of the reduced loss with respect to that row
    (loss weight, label weight, 1 / avg_factor), the gradient of the reduced
    loss is s_i G_ij, and

        pos_j = sum_{i: y_i = j} |s_i G_ij|,   neg_j = sum_{i: y_i != j}
        |s_i G_ij|.

    Args:
        grad (Tensor): (N, C) gradients G from :func:`equalized_focal_loss`.
        labels (Tensor): (N, ) labels in [0, C]; C is background.
        row_scale (Tensor): (N, ) derivatives s_i.
        keep (Tensor, optional): (N, ) bool, the rows to sum (a row with a
            NaN or inf is left out). Defaults to None (all).

    Returns:
        tuple[Tensor]: (C, ) float64 sums pos and neg.
    """
    num_classes = grad.size(1)
    magnitude = grad.abs().mul_(row_scale.to(grad).abs()[:, None])
    if keep is not None:
        # a fill, not a product with 0, which keeps a NaN
        magnitude.masked_fill_(~keep[:, None], 0)
    foreground = labels < num_classes
    # background rows read (and write back) an arbitrary column
    index = labels.clamp(max=num_classes - 1)[:, None]
    at_label = magnitude.gather(1, index)[:, 0]
    positive = torch.where(foreground, at_label, 0)
    pos = grad.new_zeros(num_classes, dtype=torch.float64).index_add_(
        0, index[:, 0], positive.double())
    # the positive entries out of the rows' sums; index_add_, not bincount:
    # bincount reads the labels' range on the host
    magnitude.scatter_(1, index, (at_label - positive)[:, None])
    return pos, magnitude.sum(0, dtype=torch.float64)
