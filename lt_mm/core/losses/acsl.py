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

from .softplus import reduce_softplus


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
        score_thr (float): xi. Defaults to 0.7.
        background_ratios (Sequence[float]): Fraction of the background
            RoIs on which each group's classes are suppressed; exactly
            ``int(n_bg * ratio)`` RoIs, drawn without replacement. Defaults
            to (0.01, 0.1, 1.0).
        generator (torch.Generator, optional): Draws the background RoIs.
            Defaults to None (torch's default generator).

    Returns:
        Tensor: (N, C + 1) weights, dtype of ``logits``.
    """
    num_classes = logits.size(1) - 1
    # sigmoid(z) >= xi  <=>  z >= log(xi / (1 - xi)), without the sigmoid
    score_logit = math.log(score_thr) - math.log1p(-score_thr)
    # a float ``out`` skips a bool (N, K) tensor and its conversion
    weights = torch.ge(logits, score_logit, out=torch.empty_like(logits))
    background = labels == num_classes
    weights.mul_(~background[:, None])
    # Each group's background RoIs: the int(n_bg * ratio) lowest of random
    # keys. Foreground keys (2) rank after every background one (< 1), so
    # nothing waits on n_bg: no host sync on CUDA.
    num_groups = len(background_ratios)
    keys = torch.rand(len(labels), num_groups, generator=generator,
                      device=logits.device)
    ranks = keys.masked_fill_(~background[:, None], 2.0).argsort(0).argsort(0)
    # from Python floats: a tensor of the ratios would be a host-to-device
    # copy, which syncs too
    num_bg = background.sum().double()
    quota = torch.stack([(num_bg * r).floor() for r in background_ratios])
    chosen = (ranks < quota).to(logits.dtype)
    # chosen[i, group_j] for every class j, as one matrix product
    group_one_hot = F.one_hot(frequency_group, num_groups).T.to(logits)
    weights[:, :num_classes].addmm_(chosen, group_one_hot)
    weights.scatter_(1, labels[:, None], 1.0)  # own class / background logit
    return weights


class _ACSLBCE(torch.autograd.Function):
    """Rows of :func:`acsl_bce`; the gradient, ``w (sigmoid(z) - t)``, is
    written in one (N, K) pass plus a scatter into the target column."""

    @staticmethod
    def forward(ctx, logits, labels, weights):
        prob = torch.sigmoid(logits)
        ctx.save_for_backward(prob, labels, weights)
        own = logits.gather(1, labels[:, None])[:, 0]
        return reduce_softplus(logits, prob,
                               lambda x: x.mul_(weights).sum(1)) - own

    @staticmethod
    def backward(ctx, grad_loss):
        prob, labels, weights = ctx.saved_tensors
        grad = prob * weights
        grad.scatter_add_(1, labels[:, None],
                          grad.new_full((len(labels), 1), -1.0))
        return grad.mul_(grad_loss[:, None]), None, None


def acsl_bce(logits: Tensor, labels: Tensor, weights: Tensor) -> Tensor:
    """Per-RoI sum_j w_j BCE(z_j, t_j), t the one-hot of ``labels``.

    The target's weight is always 1, so with BCE(z, t) = softplus(z) - t z the
    sum is sum_j w_j softplus(z_j) - z_y.

    Args:
        logits (Tensor): (N, C + 1), the background logit last.
        labels (Tensor): (N, ) in [0, C]; C is background.
        weights (Tensor): (N, C + 1) weights from :func:`acsl_weights`.

    Returns:
        Tensor: (N, ) losses.
    """
    return _ACSLBCE.apply(logits, labels, weights)
