from typing import Dict, Optional, Sequence

import torch
from torch import Tensor

from lt_mm.core import ClassCountsReceiver, at_least_float32
from lt_mm.core.losses.ldam import ldam_loss, ldam_margins
from lt_mm.core.losses.ride import ride_diversity, ride_diversity_temperatures
from lt_mm.core.losses.soft_target import as_soft_target
from lt_mm.core.losses.weighted_reduction import reduce_class_weighted
from lt_mm.registry import MODELS
from .deferred_reweighting import DeferredReweightingMixin
from .multi_expert_loss import MultiExpertLoss


@MODELS.register_module()
class RIDELoss(DeferredReweightingMixin, ClassCountsReceiver,
               MultiExpertLoss):
    """RIDE loss (Wang et al., ICLR 2021): LDAM-DRW on every expert plus the
    distribution-aware diversity term (formula in
    :mod:`lt_mm.core.losses.ride`).

    arXiv: https://arxiv.org/abs/2010.01809

    Pair it with :class:`lt_mm.MultiExpertClsHead` (cosine classifiers,
    s = 30: the margins enter as s * m) and :class:`lt_mm.DRWHook`, which
    switches on, at its ``start_epoch`` (160 of 200 on CIFAR, the authors'
    ``reweight_epoch``), both the class-balanced weights of the LDAM part and
    the per-class diversity temperatures (frank-xwang/
    RIDE-LongTailRecognition, model/loss.py L190-L199). Returns
    ``loss_ride_base`` (the LDAM part) and ``loss_ride_diversity`` (the
    diversity part, negative for a negative factor); the optimiser minimises
    their sum.

    Distillation (RIDELossWithDistill, model/loss.py L249-L284): with
    ``distill_factor`` > 0 the loss adds
    ``distill_factor * T_d^2 * KL(softmax(t / T_d) || softmax(z / T_d))``
    (``loss_ride_distill``) between the teacher's logits t, which
    :class:`lt_mm.DistillationClassifier` passes as ``teacher_logits``, and
    the mean of the experts' logits z; T_d = 1.5 on CIFAR-100-LT. The
    authors' loop adds the RIDE loss and the distillation term once per
    expert (L272-L283), K times the sum: their distillation config is
    reproduced with ``loss_weight=K``.

    Deviation: with ``diversity_factor`` 0 the authors' code puts the LDAM
    loss on the ensemble's mean logits instead of each expert's
    (model/loss.py L224); this loss always trains each expert.

    Args:
        num_classes (int): Number of classes.
        diversity_factor (float): f. Defaults to -0.45 (the authors'
            CIFAR-100-LT config; their ImageNet-LT / iNaturalist configs keep
            the class default -0.2).
        base_temperature (float): T_0. Defaults to 1.0.
        reweight_factor (float): r of the per-class temperatures.
            Defaults to 0.05 (0.02 in their ImageNet-LT configs).
        max_m (float): Largest LDAM margin, in cosine units. Defaults to 0.5.
        scale (float): s, the scale of the head's cosines. Defaults to 30.
        base_loss_factor (float): a, weight of the LDAM part.
            Defaults to 1.0.
        distill_factor (float): Weight of the distillation term; 0: none.
            Defaults to 0.0 (the authors' RIDELossWithDistill uses 1.0).
        distill_temperature (float): T_d. Defaults to 1.5.
        loss_weight (float): Multiplies the whole loss. Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 diversity_factor: float = -0.45,
                 base_temperature: float = 1.0,
                 reweight_factor: float = 0.05,
                 max_m: float = 0.5,
                 scale: float = 30.0,
                 base_loss_factor: float = 1.0,
                 distill_factor: float = 0.0,
                 distill_temperature: float = 1.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if max_m <= 0 or scale <= 0 or base_temperature <= 0:
            raise ValueError(
                'max_m, scale and base_temperature must be positive')
        if distill_factor < 0 or distill_temperature <= 0:
            raise ValueError('distill_factor must be non-negative and '
                             'distill_temperature positive')
        if not 0 <= reweight_factor < 1:
            raise ValueError(
                f'reweight_factor must lie in [0, 1), got {reweight_factor}')
        self.init_class_statistics(num_classes)
        self.diversity_factor = diversity_factor
        self.base_temperature = base_temperature
        self.reweight_factor = reweight_factor
        self.max_m, self.scale = max_m, scale
        self.base_loss_factor, self.loss_weight = base_loss_factor, loss_weight
        self.distill_factor = distill_factor
        self.distill_temperature = distill_temperature

    def temperatures(self):
        """T_0 before re-weighting, the (C, ) T_j after."""
        if self.drw_beta is None:
            return self.base_temperature
        return ride_diversity_temperatures(self.require_class_counts(),
                                           self.base_temperature,
                                           self.reweight_factor)

    def forward(self,
                expert_logits: Sequence[Tensor],
                label: Tensor,
                avg_factor: Optional[float] = None,
                teacher_logits: Optional[Tensor] = None) -> Dict[str, Tensor]:
        if not isinstance(expert_logits, (list, tuple)) or \
                not expert_logits:
            raise ValueError('RIDELoss takes the list of per-expert logits '
                             '(lt_mm.MultiExpertClsHead)')
        logits = [at_least_float32(z) for z in expert_logits]
        if any(z.dim() != 2 or z.shape != logits[0].shape for z in logits):
            raise ValueError('expert logits must all be (N, C), got shapes '
                             f'{[tuple(z.shape) for z in logits]}')
        if len(label) != len(logits[0]):
            raise ValueError(f'{len(label)} targets for {len(logits[0])} '
                             'samples')
        target = as_soft_target(label, logits[0].shape[1])
        counts = self.require_class_counts()
        margins = ldam_margins(counts, self.max_m)
        weights = self.class_weights()
        temperature = self.temperatures()
        ensemble = torch.stack(logits).mean(0)
        base = diversity = logits[0].new_zeros(())
        for z in logits:
            losses = ldam_loss(z, target, margins, self.scale, weights)
            if weights is None:
                base = base + losses.mean()
            else:
                base = base + reduce_class_weighted(
                    losses, target, weights, sync=self.training)
            diversity = diversity + ride_diversity(z, ensemble,
                                                   temperature).mean()
        losses = dict(
            loss_ride_base=self.loss_weight * self.base_loss_factor * base,
            loss_ride_diversity=self.loss_weight * self.diversity_factor *
            diversity)
        if self.distill_factor > 0:
            if teacher_logits is None:
                raise ValueError(
                    'RIDELoss with distill_factor > 0 needs the teacher\'s '
                    'logits: train with lt_mm.DistillationClassifier')
            if teacher_logits.shape != ensemble.shape:
                raise ValueError(
                    f'teacher logits {tuple(teacher_logits.shape)} and '
                    f'student logits {tuple(ensemble.shape)} differ')
            # the diversity term's form: T^2 KL(softmax(t / T) || softmax(
            # z / T)) against a fixed target, here the teacher
            distill = ride_diversity(ensemble,
                                     at_least_float32(teacher_logits),
                                     self.distill_temperature).mean()
            losses['loss_ride_distill'] = \
                self.loss_weight * self.distill_factor * distill
        return losses
