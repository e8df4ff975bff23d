from typing import Optional, Sequence

from torch import Tensor

from lt_mm.core import ClassCountsReceiver, at_least_float32
from lt_mm.core.losses.logit_adjustment import log_class_prior
from lt_mm.core.losses.sade import sade_loss
from lt_mm.core.losses.soft_target import as_soft_target
from lt_mm.core.losses.weighted_reduction import weight_reduce_loss
from lt_mm.registry import MODELS
from .cls_loss import REDUCTIONS
from .multi_expert_loss import MultiExpertLoss


@MODELS.register_module()
class SADELoss(ClassCountsReceiver, MultiExpertLoss):
    """SADE's skill-diverse expert loss (Zhang et al., "Self-Supervised
    Aggregation of Diverse Experts for Test-Agnostic Long-Tailed
    Recognition", NeurIPS 2022):

    ``L = CE(z_1) + CE(z_2 + log pi) + CE(z_3 + log pi - tau log pi_inv)``

    with pi the training prior and pi_inv the prior in reversed rank order
    (see :mod:`lt_mm.core.losses.sade`); the authors' DiverseExpertLoss
    (Vanint/SADE-AgnosticLT, model/loss.py L244-L286).

    arXiv: https://arxiv.org/abs/2107.09249

    Used with :class:`lt_mm.SADEClsHead` (or any
    :class:`lt_mm.MultiExpertClsHead` of three experts), which hands it the
    list of the three experts' logits. In the authors' code these carry the
    cosine classifier's scale s = 30. The class counts come from
    :class:`lt_mm.ClassStatisticsHook` and are kept in the ``class_counts``
    buffer.

    Args:
        num_classes (int): Number of classes.
        tau (float): Scale of the inverse prior. Defaults to 2.0 (the
            authors' CIFAR-100-LT and ImageNet-LT value; 1.0 on Places-LT
            and iNaturalist 2018).
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none'. Defaults to 'mean'.
    """

    def __init__(self, num_classes: int, tau: float = 2.0,
                 loss_weight: float = 1.0, reduction: str = 'mean') -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(
                f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
        self.init_class_statistics(num_classes)
        self.tau, self.loss_weight, self.reduction = tau, loss_weight, \
            reduction

    def forward(self,
                expert_logits: Sequence[Tensor],
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """The loss of a batch.

        Args:
            expert_logits (Sequence[Tensor]): The three experts' (N, C)
                logits, in expert order (forward, uniform, backward).
            label (Tensor): (N, ) class indices or (N, C) soft targets.
            weight (Tensor, optional): (N, ) sample weights.
            avg_factor (float, optional): Divisor of the 'mean'.
            reduction_override (str, optional): Overrides ``reduction``.

        Returns:
            Tensor: The loss (per sample for 'none').
        """
        reduction = reduction_override or self.reduction
        if reduction not in REDUCTIONS:
            raise ValueError(
                f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
        if isinstance(expert_logits, Tensor) or len(expert_logits) != 3:
            raise ValueError(
                'SADELoss takes the list of the three experts\' (N, C) '
                'logits (lt_mm.SADEClsHead with num_experts=3)')
        shapes = {tuple(z.shape) for z in expert_logits}
        if len(shapes) != 1 or len(next(iter(shapes))) != 2 or \
                next(iter(shapes))[1] != self.num_classes:
            raise ValueError(
                f'the experts\' logits must be (N, {self.num_classes}) '
                f'each, got shapes {[tuple(z.shape) for z in expert_logits]}')
        if len(label) != len(expert_logits[0]):
            raise ValueError(f'{len(label)} targets for '
                             f'{len(expert_logits[0])} samples')
        target = as_soft_target(label, self.num_classes)
        log_prior = log_class_prior(self.require_class_counts())
        loss = sade_loss([at_least_float32(z) for z in expert_logits],
                         target, log_prior, self.tau)
        if weight is not None:
            weight = weight.float()
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction,
                                                     avg_factor)
