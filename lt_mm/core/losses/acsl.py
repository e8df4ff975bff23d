"""Adaptive Class Suppression Loss (Wang et al., "Adaptive Class Suppression
Loss for Long-Tail Object Detection", CVPR 2021).

Sigmoid BCE over C class logits plus a background logit (last), with a 0/1
weight per logit. A foreground RoI of class c keeps its own logit and every
logit the model currently confuses with it:

    w_j = 1 if j = c or sigmoid(z_j) >= xi else 0,      xi = 0.7,

so a tail class is only pushed down where it actually competes. A background
RoI keeps its background logit and, following the authors' code (the paper
does not state it), suppresses the classes of each LVIS frequency group on a
random fraction of the background RoIs: 1% for rare, 10% for common, 100% for
frequent classes. The loss is sum(w * BCE) / N_RoI.
"""
import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


@torch.no_grad()
def acsl_weights(logits: Tensor,
                 labels: Tensor,
                 frequency_group: Tensor,
                 score_thr: float = 0.7,
                 background_ratios: Sequence[float] = (0.01, 0.1, 1.0),
                 generator: Optional[torch.Generator] = None) -> Tensor:
    """The 0/1 weight of every logit.

    Args:
        logits (Tensor): (N, C + 1), the background logit last.
        labels (Tensor): (N, ) in [0, C]; C is background.
        frequency_group (Tensor): (C, ) group index of each class into
            ``background_ratios`` (0 rare, 1 common, 2 frequent).
        score_thr (float): xi. background_ratios: fraction of the background
            RoIs on which each group's classes are suppressed; exactly
            ``int(n_bg * ratio)`` RoIs, drawn without replacement.

    Returns:
        Tensor: (N, C + 1) weights, dtype of ``logits``.
    """
    num_classes = logits.size(1) - 1
    # sigmoid(z) >= xi  <=>  z >= log(xi / (1 - xi)), without the sigmoid
    score_logit = math.log(score_thr) - math.log1p(-score_thr)
    weights = (logits >= score_logit).to(logits.dtype)
    background = labels == num_classes
    num_bg = int(background.sum())
    if num_bg:
        keys = torch.rand(num_bg, len(background_ratios), generator=generator,
                          device=logits.device)
        ranks = keys.argsort(0).argsort(0)
        quota = torch.tensor([int(num_bg * r) for r in background_ratios],
                             device=logits.device)
        chosen = (ranks < quota).to(logits.dtype)  # (n_bg, groups)
        weights[background, :num_classes] = chosen[:, frequency_group]
    weights.scatter_(1, labels[:, None], 1.0)  # own class / background logit
    return weights


class _ACSLBCE(torch.autograd.Function):
    """Rows of :func:`acsl_bce`; the gradient, ``w (sigmoid(z) - t)``, is
    written in one (N, K) pass plus a scatter into the target column."""

    @staticmethod
    def forward(ctx, logits, labels, weights):
        ctx.save_for_backward(logits, labels, weights)
        own = logits.gather(1, labels[:, None])[:, 0]
        return (weights * F.softplus(logits)).sum(1) - own

    @staticmethod
    def backward(ctx, grad_loss):
        logits, labels, weights = ctx.saved_tensors
        grad = torch.sigmoid(logits).mul_(weights)
        grad.scatter_add_(1, labels[:, None],
                          grad.new_full((len(labels), 1), -1.0))
        return grad.mul_(grad_loss[:, None]), None, None


def acsl_bce(logits: Tensor, labels: Tensor, weights: Tensor) -> Tensor:
    """Per-RoI sum_j w_j BCE(z_j, t_j), t the one-hot of ``labels``.

    The target's weight is always 1, so with BCE(z, t) = softplus(z) - t z the
    sum is sum_j w_j softplus(z_j) - z_y.
    """
    return _ACSLBCE.apply(logits, labels, weights)
