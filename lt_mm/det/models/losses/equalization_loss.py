from typing import Optional

import torch
from torch import Tensor

from lt_mm.core import (ClassStatistics, ClassStatisticsReceiver,
                        at_least_float32, eql_bce)
from lt_mm.registry import MODELS
from .roi_classification_loss import ClassSigmoidLoss


@MODELS.register_module()
class EqualizationLoss(ClassStatisticsReceiver, ClassSigmoidLoss):
    """Equalization Loss (v1) for an mmdet bbox head (Tan et al., CVPR 2020).

    arXiv: https://arxiv.org/abs/2003.05176

    The classifier outputs ``num_classes`` logits, no background logit; a
    background RoI has an all-zero target. Foreground RoIs do not push down
    the logits of tail classes, those whose training image frequency
    ``image_count / num_images`` is below ``lambda_`` (see
    :mod:`lt_mm.core.losses.eql`). The loss is ``sum(w * BCE) / N_RoI``; test
    scores are the sigmoids, with background 0.

    The tail set comes from :class:`lt_mm.ClassStatisticsHook` (the
    training set after filtering) and is kept in the ``tail`` buffer, so a
    checkpoint tests without training data. The head's classifier bias
    starts at the prior -log((1 - p) / p), p = 0.001, as in the authors'
    code (eql.detectron2, projects/EQL/eql/fast_rcnn.py L43-L44).

    Args:
        num_classes (int): Foreground classes. Defaults to 1203.
        lambda_ (float): Frequency threshold; 0.0011 for LVIS v1 (the
            eqlv2 repository), 0.00177 for LVIS v0.5 (the paper). Defaults
            to 0.0011.
        loss_weight (float): Defaults to 1.0.
        reduction (str): 'mean' (over RoIs), 'sum' or 'none' (per RoI).
            Defaults to 'mean'.
        use_sigmoid (bool): The key of mmdet's ``loss_cls`` configs; EQL
            is a sigmoid loss and raises unless it is True. Defaults to True.
        prior_prob (float, optional): Prior p of the classifier bias, set
            when the head is initialised; None keeps the head's
            initialisation. Defaults to 0.001.
    """

    def __init__(self,
                 num_classes: int = 1203,
                 lambda_: float = 0.0011,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 use_sigmoid: bool = True,
                 prior_prob: Optional[float] = 0.001) -> None:
        super().__init__(num_classes, loss_weight, reduction, use_sigmoid,
                         prior_prob)
        self.lambda_ = lambda_
        self.register_buffer('tail', torch.zeros(num_classes,
                                                 dtype=torch.bool))
        self.init_class_statistics(num_classes)

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        frequency = torch.as_tensor(stats.image_counts / stats.num_images)
        self.tail.copy_(frequency < self.lambda_)

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        self.check_logits(cls_score)
        self.require_statistics()
        reduction = reduction_override or self.reduction
        loss = eql_bce(at_least_float32(cls_score), labels, self.tail)
        return self.reduce_per_sample(loss, label_weights, reduction,
                                      avg_factor)
