import torch
import torch.nn.functional as F
from torch import Tensor

from lt_mm.core.finite_statistics import FiniteStatisticsGuard, zero_rows
from lt_mm.core.losses.seesaw import seesaw_logits
from lt_mm.core.losses.soft_target import expected_hard_loss
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss


@MODELS.register_module()
class ClsSeesawLoss(ClsLoss):
    """Seesaw Loss for an mmpretrain classifier (Wang et al., CVPR 2021).

    arXiv: https://arxiv.org/abs/2008.10032

    Cross-entropy on the logits re-balanced by
    :func:`lt_mm.core.seesaw_logits` (mitigation from the cumulative class
    counts, compensation from the detached softmax). Named apart from the
    detection adapter ``lt_mm.SeesawLoss``, which adds objectness logits.
    On hard labels it equals mmpretrain's ``SeesawLoss``; a soft target
    counts its class mass and takes the expectation over its non-zero
    entries.

    ``cum_samples`` is a float64 buffer: checkpoints carry it, and under
    torch.distributed each step's counts are summed over ranks before they
    are added, so every rank agrees (mmpretrain's own counts per GPU). A
    sample with a NaN or inf logit or target is not counted;
    ``statistics_guard`` counts it and the first is reported once
    (:mod:`lt_mm.core.finite_statistics`).

    Args:
        num_classes (int): Number of classes.
        p (float): Mitigation exponent. Defaults to 0.8.
        q (float): Compensation exponent. Defaults to 2.0.
        eps (float): Lower bound of the true class's probability in the
            compensation factor. Defaults to 1e-2.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
    """

    def __init__(self,
                 num_classes: int,
                 p: float = 0.8,
                 q: float = 2.0,
                 eps: float = 1e-2,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__(loss_weight, reduction)
        if num_classes <= 0:
            raise ValueError(
                f'num_classes must be a positive integer, got {num_classes}')
        self.num_classes = num_classes
        self.p, self.q, self.eps = p, q, eps
        self.register_buffer('cum_samples',
                             torch.zeros(num_classes, dtype=torch.float64))
        self.statistics_guard = FiniteStatisticsGuard(
            f'{type(self).__name__} (cum_samples)')

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        if cls_score.shape[1] != self.num_classes:
            raise ValueError(
                f'{cls_score.shape[1]} logits for num_classes='
                f'{self.num_classes}')
        if self.training:
            with torch.no_grad():
                keep = self.statistics_guard.finite_rows(cls_score, target)
                counts, = self.statistics_guard.record(
                    zero_rows(target, keep).sum(0).to(self.cum_samples))
                self.cum_samples += counts

        def hard(z: Tensor, labels: Tensor, rows: Tensor) -> Tensor:
            z = seesaw_logits(z, labels, self.cum_samples, self.p, self.q,
                              self.eps)
            return F.cross_entropy(z, labels, reduction='none')

        return expected_hard_loss(hard, cls_score, target)
