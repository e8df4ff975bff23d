from typing import Optional

import torch.nn as nn
from torch import Tensor

from lt_mm.core import at_least_float32
from lt_mm.core.losses.soft_target import as_soft_target
from lt_mm.core.losses.weighted_reduction import (reduce_class_weighted,
                                                 weight_reduce_loss)

REDUCTIONS = ('none', 'mean', 'sum')


class ClsLoss(nn.Module):
    """Base of lt_mm's classification losses, in mmpretrain's convention.

    ``forward(cls_score, label, weight=None, avg_factor=None,
    reduction_override=None)``: ``label`` is (N, ) class indices, or (N, C)
    soft targets from batch augmentations (mixup / cutmix hand ``gt_score``);
    a soft target gives the expectation of the hard-label loss (see
    :mod:`lt_mm.core.losses.soft_target`). ``weight`` is a per-sample weight.
    Subclasses implement :meth:`sample_losses` on float32 (or float64)
    logits and an (N, C) target.

    A loss that weights labels by class weights w returns them from
    :meth:`class_weights` (its per-sample losses already carry them). Its
    'mean' is then either ``sum_i w_{y_i} l_i / N`` (``avg_factor``, which
    mmpretrain sets to the batch size, replacing N), or, with
    ``normalize_by_weights``, the weighted mean
    ``sum_i w_{y_i} l_i / sum_i w_{y_i}`` of ``F.cross_entropy(weight=w)``;
    ``avg_factor`` is then not used. Soft targets and the distributed case:
    see :mod:`lt_mm.core.losses.weighted_reduction`.

    Args:
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none'. Defaults to 'mean'.
        normalize_by_weights (bool): 'mean' divides by the batch's sum of
            class weights rather than by its size. Defaults to False.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 normalize_by_weights: bool = False) -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(
                f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.normalize_by_weights = normalize_by_weights

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        """(N, C) logits and (N, C) target -> (N, ) losses."""
        raise NotImplementedError

    def class_weights(self) -> Optional[Tensor]:
        """(C, ) class weights the loss applies now; None: none."""
        return None

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        reduction = reduction_override or self.reduction
        if reduction not in REDUCTIONS:
            raise ValueError(
                f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
        if cls_score.dim() != 2:
            raise ValueError('cls_score must be (N, C) logits, got shape '
                             f'{tuple(cls_score.shape)}')
        if len(label) != len(cls_score):
            raise ValueError(f'{len(label)} targets for {len(cls_score)} '
                             'samples')
        target = as_soft_target(label, cls_score.shape[1])
        class_weights = self.class_weights() if (
            reduction == 'mean' and self.normalize_by_weights) else None
        if not len(cls_score) and class_weights is None:
            # keep the graph: zero loss, zero gradients
            empty = cls_score.sum() * 0
            return empty.new_zeros((0, )) if reduction == 'none' else empty
        loss = self.sample_losses(at_least_float32(cls_score), target)
        if class_weights is not None:
            # synchronised over ranks in training only: every rank computes
            # the loss then, while testing may run on one rank alone
            return self.loss_weight * reduce_class_weighted(
                loss, target, class_weights, weight, sync=self.training)
        if weight is not None:
            weight = weight.float()
        return self.loss_weight * weight_reduce_loss(
            loss, weight, reduction, avg_factor)
