from typing import Dict, Optional, Union

import torch
import torch.nn.functional as F
from mmdet.models.losses import accuracy
from mmdet.models.losses.utils import weight_reduce_loss
from torch import Tensor

from lt_mm.core import all_reduce_sum, at_least_float32, seesaw_logits
from lt_mm.registry import MODELS
from .roi_classification_loss import RoIClassificationLoss


@MODELS.register_module()
class SeesawLoss(RoIClassificationLoss):
    """Seesaw Loss for an mmdet bbox head (Wang et al., CVPR 2021).

    The classifier outputs ``num_classes + 2`` logits: the class logits and
    two objectness logits ``[foreground, background]``. Positive RoIs take a
    cross-entropy over the class logits re-balanced by
    :func:`lt_mm.core.seesaw_logits`; all RoIs take a 2-way cross-entropy on
    objectness. At test time ``score_j = softmax(class)_j * softmax(obj)_fg``
    and the background score is ``softmax(obj)_bg``.

    ``cum_samples``, the number of sampled RoIs of each class so far, is a
    buffer: checkpoints carry it, and under torch.distributed each step's
    counts are summed over ranks before they are added, so all ranks agree.

    Args:
        num_classes (int): Foreground classes (1203 for LVIS v1).
        p (float): Mitigation exponent. Defaults to 0.8.
        q (float): Compensation exponent. Defaults to 2.0.
        eps (float): Lower bound of the true class's probability in the
            compensation factor. Defaults to 1e-2.
        loss_weight (float): Weight of both terms. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none'. Defaults to 'mean'.
        return_dict (bool): Log the class and objectness terms separately.
    """
    extra_channels = 2
    use_sigmoid = False

    def __init__(self,
                 num_classes: int = 1203,
                 p: float = 0.8,
                 q: float = 2.0,
                 eps: float = 1e-2,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 return_dict: bool = True,
                 use_sigmoid: bool = False) -> None:
        super().__init__(num_classes, loss_weight, reduction, use_sigmoid)
        self.p, self.q, self.eps = p, q, eps
        self.return_dict = return_dict
        self.register_buffer('cum_samples',
                             torch.zeros(num_classes, dtype=torch.float64))

    def _split(self, cls_score: Tensor):
        self.check_logits(cls_score)
        return cls_score[..., :-2], cls_score[..., -2:]

    def get_activation(self, cls_score: Tensor) -> Tensor:
        """(N, C + 2) logits -> (N, C + 1) scores, background last."""
        classes, objectness = self._split(cls_score)
        objectness = at_least_float32(objectness).softmax(-1)
        scores = at_least_float32(classes).softmax(-1) * objectness[..., :1]
        return torch.cat([scores, objectness[..., 1:]], dim=-1)

    def get_accuracy(self, cls_score: Tensor,
                     labels: Tensor) -> Dict[str, Tensor]:
        classes, objectness = self._split(cls_score)
        pos = labels < self.num_classes
        return dict(
            acc_objectness=accuracy(objectness,
                                    (labels == self.num_classes).long()),
            acc_classes=accuracy(classes[pos], labels[pos]))

    @torch.no_grad()
    def _count(self, labels: Tensor) -> None:
        fg = labels[labels < self.num_classes]
        counts = torch.bincount(fg, minlength=self.num_classes).to(
            self.cum_samples)
        self.cum_samples += all_reduce_sum(counts)

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None
                ) -> Union[Tensor, Dict[str, Tensor]]:
        reduction = reduction_override or self.reduction
        classes, objectness = self._split(cls_score)
        if self.training:
            self._count(labels)  # every rank, even with no RoIs: all-reduce
        if label_weights is None:
            label_weights = labels.new_ones(labels.shape, dtype=torch.float)
        label_weights = label_weights.float()
        pos = labels < self.num_classes

        if pos.any():
            logits = seesaw_logits(classes[pos], labels[pos],
                                   self.cum_samples, self.p, self.q, self.eps)
            loss_classes = weight_reduce_loss(
                F.cross_entropy(logits, labels[pos], reduction='none'),
                label_weights[pos], reduction, avg_factor)
        else:  # keep the graph: zero loss, zero gradients
            loss_classes = classes.sum() * 0
        if labels.numel():
            obj_labels = (labels == self.num_classes).long()
            loss_objectness = weight_reduce_loss(
                F.cross_entropy(at_least_float32(objectness), obj_labels,
                                reduction='none'), label_weights, reduction,
                avg_factor)
        else:
            loss_objectness = objectness.sum() * 0
        loss_classes = self.loss_weight * loss_classes
        loss_objectness = self.loss_weight * loss_objectness
        if self.return_dict:
            return dict(
                loss_cls_objectness=loss_objectness,
                loss_cls_classes=loss_classes)
        return loss_classes + loss_objectness
