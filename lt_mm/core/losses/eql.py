"""Equalization Loss (Tan et al., "Equalization Loss for Long-Tailed Object
Recognition", CVPR 2020).

Sigmoid BCE over the C class logits only (a background RoI has an all-zero
target). The negative gradients of tail classes are switched off for
foreground RoIs:

    w_j = 1 - E(r) * T_lambda(f_j) * (1 - y_j),

E(r) = 1 for a foreground RoI and 0 for background, T_lambda(f) = 1 when the
class's image frequency f_j = image_count_j / num_images is below lambda.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

from .softplus import reduce_softplus


class _EQLBCE(torch.autograd.Function):
    """Rows of :func:`eql_bce` with the gradient, w_ij (sigma(z_ij) - y_ij),
    written into one (N, C) tensor plus a scatter into the target column;
    autograd through the matrix product, the gathers and the ``where``
    would allocate and add several full (N, C) tensors."""

    @staticmethod
    def forward(ctx, logits, labels, tail):
        num_classes = logits.size(1)
        prob = torch.sigmoid(logits)
        tail = tail.to(logits)
        # two matrix-vector products: a skinny (C, 2) matrix product is
        # several times slower on the CPU
        total, tail_sum = reduce_softplus(
            logits, prob, lambda x: torch.stack([x.sum(1), x @ tail]))
        foreground = labels < num_classes
        index = labels.clamp(max=num_classes - 1)[:, None]
        logits_t = logits.gather(1, index)[:, 0]
        own = tail[index[:, 0]] * F.softplus(logits_t) - logits_t
        ctx.save_for_backward(prob, foreground, index, tail)
        return torch.where(foreground, total - tail_sum + own, total)

    @staticmethod
    def backward(ctx, grad_loss):
        prob, foreground, index, tail = ctx.saved_tensors
        fg = foreground.to(prob)
        # w_ij = 1 - fg_i * tail_j off the target, 1 at it
        grad = torch.mul(prob, tail).mul_(fg[:, None])
        torch.sub(prob, grad, out=grad)
        prob_t = prob.gather(1, index)
        grad.scatter_add_(1, index, fg[:, None] * (tail[index] * prob_t - 1))
        return grad.mul_(grad_loss[:, None]), None, None


def eql_bce(logits: Tensor, labels: Tensor, tail: Tensor) -> Tensor:
    """Per-RoI sum_j w_j * BCE(z_j, y_j) of Equalization Loss.

    With BCE(z, y) = softplus(z) - y z: a background RoI sums softplus over
    all classes; a foreground RoI of class c over the non-tail classes, plus
    class c itself if it is tail, minus z_c.

    Args:
        logits (Tensor): (N, C) class logits.
        labels (Tensor): (N, ) labels, C for background.
        tail (Tensor): (C, ) bool, T_lambda(f_j).

    Returns:
        Tensor: (N, ) losses.
    """
    return _EQLBCE.apply(logits, labels, tail)
