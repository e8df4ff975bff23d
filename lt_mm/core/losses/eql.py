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


def eql_bce(logits: Tensor, labels: Tensor, tail: Tensor) -> Tensor:
    """Per-RoI sum_j w_j * BCE(z_j, y_j) of Equalization Loss.

    With BCE(z, y) = softplus(z) - y z: a background RoI sums softplus over
    all classes; a foreground RoI of class c over the non-tail classes, plus
    class c itself if it is tail, minus z_c.

    Args:
        logits (Tensor): (N, C). labels (Tensor): (N, ), C for background.
        tail (Tensor): (C, ) bool, T_lambda(f_j).
    """
    num_classes = logits.size(1)
    softplus = F.softplus(logits)
    not_tail = (~tail).to(logits)
    sums = softplus @ torch.stack([not_tail, torch.ones_like(not_tail)], 1)
    foreground = labels < num_classes
    index = labels.clamp(max=num_classes - 1)[:, None]
    own = (1 - not_tail[index[:, 0]]) * softplus.gather(1, index)[:, 0] \
        - logits.gather(1, index)[:, 0]
    return torch.where(foreground, sums[:, 0] + own, sums[:, 1])
