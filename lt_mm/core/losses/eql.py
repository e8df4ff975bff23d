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
from torch import Tensor


def eql_weights(labels: Tensor, num_classes: int, tail: Tensor) -> Tensor:
    """(N, C) weights of the BCE terms.

    Args:
        labels (Tensor): (N, ) labels, ``num_classes`` meaning background.
        num_classes (int): C.
        tail (Tensor): (C, ) bool, T_lambda(f_j).
    """
    foreground = (labels < num_classes).to(torch.float32)[:, None]
    targets = torch.zeros(len(labels), num_classes + 1, device=labels.device)
    targets[torch.arange(len(labels)), labels] = 1
    not_target = 1 - targets[:, :num_classes]
    return 1 - foreground * tail.to(torch.float32)[None, :] * not_target
