from typing import Optional, Sequence

import torch
from torch import Tensor

from lt_mm.core import (FREQUENCY_GROUPS, ClassStatistics,
                        ClassStatisticsReceiver, at_least_float32)
from lt_mm.core.losses.acsl import acsl_bce, acsl_weights
from lt_mm.registry import MODELS
from .roi_classification_loss import ObjectnessSigmoidLoss


@MODELS.register_module()
class AdaptiveClassSuppressionLoss(ClassStatisticsReceiver,
                                   ObjectnessSigmoidLoss):
    """Adaptive Class Suppression Loss for an mmdet bbox head (Wang et al.,
    CVPR 2021).

    arXiv: https://arxiv.org/abs/2104.00885

    The classifier outputs ``num_classes + 1`` sigmoid logits, background
    last. A foreground RoI of class c trains logit c and the logits scoring
    at least ``score_thr``; a background RoI trains the background logit and
    suppresses the rare / common / frequent classes on 1% / 10% / 100% of the
    background RoIs (see :mod:`lt_mm.core.losses.acsl`). The loss is
    ``sum(w * BCE) / N_RoI``. At test time ``score_j = sigmoid(z_j)``,
    with no objectness gating, and the background column (``sigmoid(z_bg)``)
    is left out of NMS, as in the authors' code (CASIA-IVA-Lab/ACSL:
    ``use_sigmoid=True`` in
    configs/acsl/faster_rcnn_r50_fpn_1x_lvis_tunefc_acsl.py L103, read in
    mmdet/models/detectors/test_mixins.py L56-L72; sigmoid
    scores in mmdet/models/bbox_heads/bbox_head.py L158-L159;
    mmdet/core/post_processing/bbox_nms.py L35 skips the background
    column). All C + 1 classifier biases, background included, start at the
    prior -log((1 - p) / p), p = 0.01 (bbox_head.py L74-L78).

    Each class's LVIS frequency group comes from
    :class:`lt_mm.ClassStatisticsHook` (the annotation file's ``frequency``
    field, else the training image counts) and is kept in the
    ``frequency_group`` buffer. The paper trains it decoupled: the baseline's
    classifier fine-tuned alone (``configs/lvis/acsl_mask_rcnn_r50.py``).

    Args:
        num_classes (int): Foreground classes. Defaults to 1203.
        score_thr (float): xi, the score from which a confused class is
            suppressed. Defaults to 0.7.
        background_ratios (tuple[float]): Fraction of the background RoIs
            suppressing the rare, common and frequent classes. Defaults to
            (0.01, 0.1, 1.0).
        loss_weight (float): Defaults to 1.0.
        reduction (str): 'mean' (over RoIs), 'sum' or 'none' (per RoI).
            Defaults to 'mean'.
        use_sigmoid (bool): The key of mmdet's ``loss_cls`` configs; ACSL
            is a sigmoid loss and raises unless it is True. Defaults to True.
        prior_prob (float, optional): Prior p of the classifier bias, set
            when the head is initialised; None keeps the head's
            initialisation. A classifier loaded from the baseline (the
            decoupled recipe) keeps the checkpoint's bias. Defaults to 0.01.
        objectness_gated_scores (bool): Test scores
            ``sigmoid(z_j) * (1 - sigmoid(z_bg))`` instead of the authors'
            ``sigmoid(z_j)``. Defaults to False.
    """

    def __init__(self,
                 num_classes: int = 1203,
                 score_thr: float = 0.7,
                 background_ratios: Sequence[float] = (0.01, 0.1, 1.0),
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 use_sigmoid: bool = True,
                 prior_prob: Optional[float] = 0.01,
                 objectness_gated_scores: bool = False) -> None:
        super().__init__(num_classes, loss_weight, reduction, use_sigmoid,
                         prior_prob)
        self.objectness_gated_scores = objectness_gated_scores
        if not 0 < score_thr < 1:
            raise ValueError(f'score_thr must be in (0, 1), got {score_thr}')
        if len(background_ratios) != len(FREQUENCY_GROUPS) or not all(
                0 <= r <= 1 for r in background_ratios):
            raise ValueError('background_ratios must give a fraction in '
                             f'[0, 1] for each of {FREQUENCY_GROUPS}')
        self.score_thr = score_thr
        self.background_ratios = tuple(background_ratios)
        self.register_buffer('frequency_group',
                             torch.zeros(num_classes, dtype=torch.long))
        self.init_class_statistics(num_classes)

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        groups = [FREQUENCY_GROUPS.index(f) for f in stats.frequency]
        self.frequency_group.copy_(torch.as_tensor(groups))

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        self.check_logits(cls_score)
        self.require_statistics()
        reduction = reduction_override or self.reduction
        logits = at_least_float32(cls_score)
        weights = acsl_weights(logits.detach(), labels, self.frequency_group,
                               self.score_thr, self.background_ratios)
        loss = acsl_bce(logits, labels, weights)
        return self.reduce_per_sample(loss, label_weights, reduction,
                                      avg_factor)
