"""Targets of classification losses: class indices or soft targets.

Batch augmentations (mixup, cutmix, label smoothing) hand the loss a soft
target t, an (N, C) distribution over classes, instead of a label y. Every
classification loss of lt_mm treats t as a distribution over hard labels and
takes the expectation of its hard-label loss,

    L(z, t) = sum_j t_j * L(z, j),

which equals the mixup criterion lam * L(z, y_a) + (1 - lam) * L(z, y_b)
and reduces to L(z, y) for a one-hot t. Losses linear in the target
(weighted cross-entropy, focal, label-aware smoothing) evaluate it in closed
form over (N, C); the others (LDAM, Seesaw, softmax EQL) evaluate their
hard-label loss once per non-zero entry of t (one per sample for hard labels,
two under mixup / cutmix).
"""
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import Tensor


def as_soft_target(label: Tensor, num_classes: int) -> Tensor:
    """(N, ) class indices or (N, C) soft targets -> (N, C) float targets.

    Args:
        label (Tensor): (N, ) integer class indices, or (N, C) (or (N, 1))
            soft targets.
        num_classes (int): C.

    Returns:
        Tensor: (N, C) floating targets.

    Raises:
        ValueError: a target of the wrong shape or a label outside
            ``[0, num_classes)``.
    """
    if label.dim() == 2 and label.shape[1] == 1 and num_classes != 1:
        label = label[:, 0]
    if label.dim() == 1:
        if label.is_floating_point():
            raise ValueError('class-index targets must be integers, got '
                             f'{label.dtype}')
        if label.numel() and (label.min() < 0 or label.max() >= num_classes):
            raise ValueError(
                f'labels must lie in [0, {num_classes}), got values from '
                f'{int(label.min())} to {int(label.max())}')
        return F.one_hot(label.long(), num_classes).float()
    if label.dim() == 2 and label.shape[1] == num_classes:
        return label.float()
    raise ValueError(
        f'the target must be (N, ) class indices or (N, {num_classes}) soft '
        f'targets, got shape {tuple(label.shape)}')


def expected_class_loss(class_losses: Tensor,
                        target: Tensor,
                        class_weights: Optional[Tensor] = None) -> Tensor:
    """sum_j t_j * w_j * L_j per sample.

    Args:
        class_losses (Tensor): (N, C) loss of each sample were class j its
            label.
        target (Tensor): (N, C) soft target.
        class_weights (Tensor, optional): (C, ) weight w_j of label j.

    Returns:
        Tensor: (N, ) losses.
    """
    target = target.to(class_losses)
    if class_weights is not None:
        target = target * class_weights.to(class_losses)
    # where t_j = 0 the class loss may be infinite (a suppressed class):
    # those entries contribute nothing.
    return torch.where(target != 0, target * class_losses,
                       class_losses.new_zeros(())).sum(1)


def soft_cross_entropy(logits: Tensor,
                       target: Tensor,
                       class_weights: Optional[Tensor] = None) -> Tensor:
    """Cross-entropy with a soft target: -sum_j t_j w_j log softmax(z)_j.

    Args:
        logits (Tensor): (N, C) logits z.
        target (Tensor): (N, C) soft target t.
        class_weights (Tensor, optional): (C, ) class weights w. Defaults to
            None (all 1).

    Returns:
        Tensor: (N, ) losses.
    """
    return expected_class_loss(-F.log_softmax(logits, dim=1), target,
                               class_weights)


def expected_hard_loss(hard_loss: Callable[[Tensor, Tensor, Tensor], Tensor],
                       logits: Tensor, target: Tensor) -> Tensor:
    """sum_j t_j * hard_loss(z, j) per sample, over the non-zero t_j.

    Args:
        hard_loss: ``hard_loss(logits_rows, labels, rows)`` -> per-row
            losses, where ``rows`` are the sample index of each row (for
            per-sample state such as a random mask).
        logits (Tensor): (N, C).
        target (Tensor): (N, C) soft target.

    Returns:
        Tensor: (N, ) losses.
    """
    rows, labels = target.nonzero(as_tuple=True)
    losses = hard_loss(logits[rows], labels, rows)
    weights = target[rows, labels].to(losses)
    return losses.new_zeros(len(logits)).index_add(0, rows, weights * losses)
