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


class _EQLBCE(torch.autograd.Function):
    """Rows of :func:`eql_bce` with the gradient, w_ij (sigma(z_ij) - y_ij),
    written in two (N, C) passes plus a scatter into the target column;
    autograd through the matrix product, the gathers and the ``where``
    would allocate and add several full (N, C) tensors."""

    @staticmethod
    def forward(ctx, logits, labels, tail):
        num_classes = logits.size(1)
        log1p_exp = F.softplus(logits)
        not_tail = (~tail).to(logits)
        sums = log1p_exp @ torch.stack([not_tail, torch.ones_like(not_tail)],
                                       1)
        foreground = labels < num_classes
        index = labels.clamp(max=num_classes - 1)[:, None]
        own = (1 - not_tail[index[:, 0]]) * log1p_exp.gather(1, index)[:, 0] \
            - logits.gather(1, index)[:, 0]
        ctx.save_for_backward(torch.sigmoid(logits), foreground, index,
                              not_tail)
        return torch.where(foreground, sums[:, 0] + own, sums[:, 1])

    @staticmethod
    def backward(ctx, grad_loss):
        prob, foreground, index, not_tail = ctx.saved_tensors
        fg = foreground.to(prob)
        # w_ij = 1 - fg_i * tail_j off the target, 1 at it
        grad = torch.addcmul(prob, prob * (1 - not_tail), fg[:, None],
                             value=-1)
        prob_t = prob.gather(1, index)
        grad.scatter_add_(1, index,
                          fg[:, None] * ((1 - not_tail[index]) * prob_t - 1))
        return grad.mul_(grad_loss[:, None]), None, None


def eql_bce(logits: Tensor, labels: Tensor, tail: Tensor) -> Tensor:
    """Per-RoI sum_j w_j * BCE(z_j, y_j) of Equalization Loss.

    With BCE(z, y) = softplus(z) - y z: a background RoI sums softplus over
    all classes; a foreground RoI of class c over the non-tail classes, plus
    class c itself if it is tail, minus z_c.

    Args:
        logits (Tensor): (N, C). labels (Tensor): (N, ), C for background.
        tail (Tensor): (C, ) bool, T_lambda(f_j).
    """
    return _EQLBCE.apply(logits, labels, tail)
