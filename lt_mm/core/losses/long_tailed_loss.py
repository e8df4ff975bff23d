"""The host-neutral base of lt_mm's losses with a fixed class count."""
from typing import Optional

import torch.nn as nn
from torch import Tensor

from ..precision import at_least_float32
from .weighted_reduction import weight_reduce_loss

REDUCTIONS = ('none', 'mean', 'sum')


class LongTailedLoss(nn.Module):
    """Base of a classification loss over ``num_classes`` classes.

    It owns what every such loss shares whatever its host: the class count,
    ``loss_weight`` and ``reduction`` (checked once here), the float32
    upcast of half-precision logits (:meth:`upcast`), the logit count the
    loss expects (``num_classes + extra_channels``, :meth:`check_logits`)
    and the reduction of per-sample losses (:meth:`reduce_per_sample`). A
    loss built on the training set's class statistics also mixes in
    :class:`lt_mm.core.ClassStatisticsReceiver`.

    Host adapters add their protocol on top: mmdet's bbox-head classifier
    protocol (``lt_mm.det`` ``RoIClassificationLoss``); a dense-head loss
    stands on this class directly.

    Args:
        num_classes (int): Foreground classes C.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none'. Defaults to 'mean'.
    """
    #: Logits beyond the C class logits (a background or objectness logit).
    extra_channels = 0

    def __init__(self,
                 num_classes: int,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__()
        if not isinstance(num_classes, int) or num_classes <= 0:
            raise ValueError(
                f'num_classes must be a positive integer, got {num_classes}')
        self.num_classes = num_classes
        self.loss_weight = loss_weight
        self.reduction = self.check_reduction(reduction)

    @staticmethod
    def check_reduction(reduction: str) -> str:
        if reduction not in REDUCTIONS:
            raise ValueError(
                f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
        return reduction

    @staticmethod
    def upcast(logits: Tensor) -> Tensor:
        """Half-precision logits as float32 (float64 stays)."""
        return at_least_float32(logits)

    def check_logits(self, cls_score: Tensor) -> None:
        channels = self.num_classes + self.extra_channels
        if cls_score.size(-1) != channels:
            raise ValueError(
                f'{type(self).__name__} expects {channels} logits (num_classes'
                f' + {self.extra_channels}), got {cls_score.size(-1)}')

    def reduce_per_sample(self, loss: Tensor, weights: Optional[Tensor],
                          reduction: str,
                          avg_factor: Optional[float]) -> Tensor:
        """Weighted reduction of an (N,) per-sample (RoI, anchor, image)
        loss times ``loss_weight``; 'mean' divides by ``avg_factor``, by
        default N, at least 1 (an empty batch gives 0)."""
        if reduction == 'mean':
            avg_factor = max(avg_factor or len(loss), 1)
        else:
            avg_factor = None
        return self.loss_weight * weight_reduce_loss(loss, weights, reduction,
                                                     avg_factor)
