from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmdet.models.losses import accuracy
from torch import Tensor

from lt_mm.core import (ClassStatistics, ClassStatisticsReceiver,
                        at_least_float32)
from lt_mm.core.losses.group_softmax import (group_of_classes,
                                             group_softmax_losses,
                                             group_softmax_probabilities)
from lt_mm.registry import MODELS
from .roi_classification_loss import RoIClassificationLoss


@MODELS.register_module()
class GroupSoftmaxLoss(ClassStatisticsReceiver, RoIClassificationLoss):
    """Balanced Group Softmax (BAGS) as the classifier of an mmdet bbox head
    (Li et al., CVPR 2020).

    arXiv: https://arxiv.org/abs/2006.10408

    The classifier outputs ``num_classes + 2 + len(bins) + 1`` logits: the
    class logits, the group-0 pair ``[background, foreground]`` and one
    "others" logit per class group. Group 0 takes a 2-way cross-entropy over
    all RoIs; each class group takes its own softmax cross-entropy with
    "others" subsampled (see :mod:`lt_mm.core.losses.group_softmax`). At test
    time ``score_c = p_group(c) * p_0(fg)``, the "others" are discarded and
    the background score is ``p_0(bg)``; with ``renormalize=True`` the class
    scores are rescaled to sum to ``p_0(fg)``, so that they and the
    background sum to 1 (the paper does not rescale).

    The groups come from the training instance counts that
    :class:`lt_mm.ClassStatisticsHook` hands over, and are kept in the
    ``group`` buffer. Works as ``loss_cls`` of any mmdet bbox head
    (Shared2FCBBoxHead, ConvFCBBoxHead, the cascade stages). The paper trains
    it decoupled: the baseline loaded, only the classifier trained
    (``configs/lvis/bags_mask_rcnn_r50.py``).

    Args:
        num_classes (int): Foreground classes. Defaults to 1203.
        bins (tuple[int]): Instance-count bin edges. Defaults to
            (10, 100, 1000): groups (0, 10), [10, 100), [100, 1000),
            [1000, inf).
        others_ratio (float): "others" kept per positive in each group.
            Defaults to 8.
        renormalize (bool): Rescale the test-time class scores; see above.
            Defaults to False.
        loss_weight (float): Defaults to 1.0.
        reduction (str): Only 'mean' (over the kept RoIs) applies. Defaults
            to 'mean'.
        use_sigmoid (bool): The key of mmdet's ``loss_cls`` configs; BAGS
            is a softmax loss and raises unless it is False. Defaults to False.
    """
    use_sigmoid = False

    def __init__(self,
                 num_classes: int = 1203,
                 bins: Sequence[int] = (10, 100, 1000),
                 others_ratio: float = 8.0,
                 renormalize: bool = False,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 use_sigmoid: bool = False) -> None:
        super().__init__(num_classes, loss_weight, reduction, use_sigmoid)
        if reduction != 'mean':
            raise ValueError('GroupSoftmaxLoss averages each group over its '
                             "kept RoIs: only reduction='mean' applies")
        group_of_classes(np.zeros(1), bins)  # raises on bad bins
        self.bins = tuple(bins)
        self.num_groups = len(self.bins) + 1
        self.extra_channels = 2 + self.num_groups
        self.others_ratio = others_ratio
        self.renormalize = renormalize
        self.register_buffer('group', torch.zeros(num_classes,
                                                  dtype=torch.long))
        self.init_class_statistics(num_classes)

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        self.group.copy_(
            torch.as_tensor(group_of_classes(stats.instance_counts,
                                             self.bins)))

    def _split(self, cls_score: Tensor):
        self.check_logits(cls_score)
        logits = at_least_float32(cls_score)
        c = self.num_classes
        return logits[:, :c], logits[:, c:c + 2], logits[:, c + 2:]

    def get_activation(self, cls_score: Tensor) -> Tensor:
        """(N, C + 2 + G) logits -> (N, C + 1) scores, background last."""
        classes, objectness, others = self._split(cls_score)
        objectness = objectness.softmax(-1)
        scores = group_softmax_probabilities(classes, others, self.group)
        if self.renormalize:
            scores = scores / scores.sum(-1, keepdim=True).clamp(min=1e-12)
        return torch.cat([scores * objectness[:, 1:], objectness[:, :1]], -1)

    def get_accuracy(self, cls_score: Tensor,
                     labels: Tensor) -> Dict[str, Tensor]:
        classes, objectness, others = self._split(cls_score)
        pos = labels < self.num_classes
        scores = group_softmax_probabilities(classes[pos], others[pos],
                                             self.group)
        return dict(
            acc_objectness=accuracy(objectness, pos.long()),
            acc_classes=accuracy(scores, labels[pos]))

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None
                ) -> Dict[str, Tensor]:
        self.require_statistics()
        classes, objectness, others = self._split(cls_score)
        weights = torch.ones_like(labels, dtype=classes.dtype) \
            if label_weights is None else label_weights.to(classes)
        foreground = (labels < self.num_classes).long()
        loss_objectness = (F.cross_entropy(
            objectness, foreground, reduction='none') *
                           weights).sum() / max(len(labels), 1)
        group_losses = group_softmax_losses(classes, others, labels,
                                            self.group, self.others_ratio,
                                            weights)
        losses = dict(loss_cls_objectness=self.loss_weight * loss_objectness)
        for g, loss in enumerate(group_losses, start=1):
            losses[f'loss_cls_group{g}'] = self.loss_weight * loss
        return losses
