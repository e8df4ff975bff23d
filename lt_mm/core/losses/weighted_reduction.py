"""Batch reduction of class-weighted classification losses.

A loss that weights a sample of label y by the class weight w_y can average
its batch in two ways, and the methods' published code differs:

- by the batch size, ``L = sum_i w_{y_i} l_i / N``: the class-balanced losses
  (Cui et al., CVPR 2019; richardaecn/class-balanced-loss,
  src/cifar_main.py L332-L342 and L262-L265 divide softmax, sigmoid and
  focal losses by the number of labels), and mmpretrain's
  ``CrossEntropyLoss(class_weight=...)``;
- by the batch's weight, ``L = sum_i w_{y_i} l_i / sum_i w_{y_i}``, what
  PyTorch's ``F.cross_entropy(weight=w)`` computes and LDAM-DRW calls
  (kaidic/LDAM-DRW, losses.py L45 and cifar_train.py L211).

The second is a weighted average of the per-sample losses, so its scale and
step size stay those of the unweighted loss; the first scales both by the
batch's mean class weight (about 0.2 for DRW's weights on CIFAR-100-LT).

Soft targets (mixup / cutmix): a soft target t splits sample i into rows
(i, j) of weight t_ij (see :mod:`lt_mm.core.losses.soft_target`). Sample i
then weighs ``W_i = sum_j t_ij w_j`` and contributes ``sum_j t_ij w_j l_ij``
to the numerator, so

    L = sum_i sum_j t_ij w_j l_ij / sum_i sum_j t_ij w_j,

the hard-label weighted mean of the expanded batch: a one-hot t gives the
hard-label value exactly, and a mixup target lam e_a + (1 - lam) e_b weighs
lam w_a + (1 - lam) w_b. (PyTorch's ``F.cross_entropy`` with probability
targets and ``weight`` divides by N instead, so its one-hot probabilities and
its class indices disagree; lt_mm does not follow it there.) Per-sample
weights s_i (mmpretrain's ``weight`` argument) multiply numerator and
denominator alike.

Distributed training: DDP averages the ranks' gradients. Dividing each rank's
numerator by the mean over ranks of their denominators makes R ranks take
the step of one process over the whole batch, which is what the authors ran
(one loss over the ``nn.DataParallel`` batch).
"""
from typing import Optional

import torch
import torch.distributed as dist
from torch import Tensor

from ..distributed import all_reduce_sum


def label_weights(target: Tensor, class_weights: Tensor) -> Tensor:
    """Weight ``W_i = sum_j t_ij w_j`` of each sample.

    Args:
        target (Tensor): (N, C) soft (or one-hot) target.
        class_weights (Tensor): (C, ) weight w_j of label j.

    Returns:
        Tensor: (N, ) weights, in the target's dtype.
    """
    if class_weights.dim() != 1 or len(class_weights) != target.shape[1]:
        raise ValueError(f'{tuple(class_weights.shape)} class weights for '
                         f'{target.shape[1]} classes')
    return target @ class_weights.to(target)


def class_weighted_mean(losses: Tensor,
                        weights: Tensor,
                        sync: bool = False) -> Tensor:
    """``sum_i losses_i / sum_i weights_i``.

    Args:
        losses (Tensor): (N, ) weighted losses ``W_i l_i`` (already carrying
            each sample's class weight).
        weights (Tensor): (N, ) their weights W_i (no gradient flows
            through them).
        sync (bool): Under torch.distributed, divide by the mean over ranks
            of the weight sums (see above). Every rank must then call it
            the same number of times; pass it only in training.

    Returns:
        Tensor: the scalar loss; 0 (with the graph kept) when every weight
        is 0, where every weighted loss is 0 as well.
    """
    if losses.shape != weights.shape or losses.dim() != 1:
        raise ValueError(f'losses {tuple(losses.shape)} and weights '
                         f'{tuple(weights.shape)} must both be (N, )')
    total = weights.detach().sum().to(losses)
    if sync and dist.is_available() and dist.is_initialized() and \
            dist.get_world_size() > 1:
        total = all_reduce_sum(total.clone()) / dist.get_world_size()
    # clamped rather than branched on: no host sync, and a zero total has a
    # zero numerator
    return losses.sum() / total.clamp(min=torch.finfo(total.dtype).tiny)


def reduce_class_weighted(losses: Tensor,
                          target: Tensor,
                          class_weights: Tensor,
                          sample_weight: Optional[Tensor] = None,
                          sync: bool = False) -> Tensor:
    """:func:`class_weighted_mean` of the losses of (soft) targets.

    Args:
        losses (Tensor): (N, ) losses already weighted by their labels'
            class weights, ``sum_j t_ij w_j l_ij``.
        target (Tensor): (N, C) soft (or one-hot) target.
        class_weights (Tensor): (C, ) class weights w.
        sample_weight (Tensor, optional): (N, ) per-sample weights s_i.
        sync (bool): see :func:`class_weighted_mean`.

    Returns:
        Tensor: the scalar loss.
    """
    weights = label_weights(target, class_weights).to(losses)
    if sample_weight is not None:
        if sample_weight.shape != losses.shape:
            raise ValueError('weight must be (N, ) per-sample weights, got '
                             f'shape {tuple(sample_weight.shape)}')
        sample_weight = sample_weight.to(losses)
        losses, weights = losses * sample_weight, weights * sample_weight
    return class_weighted_mean(losses, weights, sync)


def weight_reduce_loss(loss: Tensor,
                       weight: Optional[Tensor] = None,
                       reduction: str = 'mean',
                       avg_factor: Optional[float] = None) -> Tensor:
    """Element-weighted reduction, the convention of mmdet's and
    mmpretrain's ``weight_reduce_loss``.

    ``loss * weight``, then 'none', 'sum', or 'mean': the mean over the
    elements, or ``sum / (avg_factor + eps)`` with float32's eps when
    ``avg_factor`` is given (not allowed with 'sum').

    Args:
        loss (Tensor): Element-wise losses.
        weight (Tensor, optional): Element-wise weights, broadcast to
            ``loss``. Defaults to None.
        reduction (str): 'none', 'sum' or 'mean'. Defaults to 'mean'.
        avg_factor (float, optional): Divisor of the 'mean'. Defaults to
            None (the number of elements).

    Returns:
        Tensor: The reduced loss, or the weighted losses for 'none'.
    """
    if weight is not None:
        loss = loss * weight
    if avg_factor is None:
        if reduction == 'mean':
            return loss.mean()
        return loss.sum() if reduction == 'sum' else loss
    if reduction == 'mean':
        return loss.sum() / (avg_factor + torch.finfo(torch.float32).eps)
    if reduction != 'none':
        raise ValueError('avg_factor can not be used with reduction="sum"')
    return loss
