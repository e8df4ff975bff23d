import torch
import torch.nn.functional as F
from torch import Tensor

from lt_mm.core.finite_statistics import FiniteStatisticsGuard, zero_rows
from lt_mm.core.losses.equilibrium import (equilibrium_logits,
                                           mean_score_statistics,
                                           update_mean_score)
from lt_mm.core.losses.soft_target import soft_cross_entropy
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss


@MODELS.register_module()
class ClsEquilibriumLoss(ClsLoss):
    """Equilibrium loss of LOCE for an mmpretrain classifier (Feng et al.,
    "Exploring Classification Equilibrium in Long-Tailed Object Detection",
    ICCV 2021): cross-entropy of ``softmax(z + log m)`` with ``m`` the running
    mean score of each class (see :mod:`lt_mm.core.losses.equilibrium`).
    Named apart from the detection adapter ``lt_mm.EquilibriumLoss``, whose
    scores the RoI head keeps; predictions use the plain softmax of z.

    arXiv: https://arxiv.org/abs/2108.07507

    ``mean_score`` (float64 buffer, initialised to ``init_score``) moves after
    every training step, from the detached softmax probability of each
    sample's class: ``m_c <- a^n m_c + (1 - a^n) mean``, ``n`` the samples of
    c in the batch, summed over ranks first. The loss of a step uses the
    scores from before it. A soft target makes one entry per non-zero class
    of each sample and takes the expected cross-entropy. A sample with a NaN
    or inf logit or target makes no entry; ``statistics_guard`` counts it
    and the first is reported once (:mod:`lt_mm.core.finite_statistics`).
    LOCE's feature memory (a detection component) is not part of this loss.

    Args:
        num_classes (int): Number of classes.
        momentum (float): a. Defaults to 0.9.
        init_score (float): Initial m. Defaults to 0.01.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
    """

    def __init__(self,
                 num_classes: int,
                 momentum: float = 0.9,
                 init_score: float = 0.01,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__(loss_weight, reduction)
        if num_classes <= 0:
            raise ValueError(
                f'num_classes must be a positive integer, got {num_classes}')
        if not 0 <= momentum < 1 or init_score <= 0:
            raise ValueError('momentum must lie in [0, 1) and init_score be '
                             'positive')
        self.num_classes, self.momentum = num_classes, momentum
        self.register_buffer(
            'mean_score',
            torch.full((num_classes, ), init_score, dtype=torch.float64))
        self.statistics_guard = FiniteStatisticsGuard(
            f'{type(self).__name__} (mean_score)')

    @torch.no_grad()
    def _update(self, cls_score: Tensor, target: Tensor) -> None:
        keep = self.statistics_guard.finite_rows(cls_score, target)
        rows, labels = zero_rows(target, keep).nonzero(as_tuple=True)
        probs = F.softmax(cls_score.detach(), dim=1)[rows, labels]
        sums, counts = mean_score_statistics(
            probs, labels, torch.arange(len(rows), device=rows.device),
            self.num_classes)
        sums, counts = self.statistics_guard.record(sums, counts)
        self.mean_score.copy_(
            update_mean_score(self.mean_score, sums.to(self.mean_score),
                              counts.to(self.mean_score), self.momentum))

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        if cls_score.shape[1] != self.num_classes:
            raise ValueError(f'{cls_score.shape[1]} logits for num_classes='
                             f'{self.num_classes}')
        loss = soft_cross_entropy(
            equilibrium_logits(cls_score, self.mean_score), target)
        if self.training:
            self._update(cls_score, target)
        return loss
