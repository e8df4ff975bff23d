from typing import Dict, Optional

import torch
from torch import Tensor

from lt_mm.core import at_least_float32
from lt_mm.core.losses.long_tailed_loss import LongTailedLoss
from .classifier_prior import ClassifierPriorMixin
from .sigmoid_accuracy import sigmoid_head_accuracy


class RoIClassificationLoss(ClassifierPriorMixin, LongTailedLoss):
    """Base of the bbox-head losses that own their classifier layout: the
    host-neutral :class:`lt_mm.core.losses.LongTailedLoss` with mmdet's
    bbox-head classifier protocol.

    mmdet's ``BBoxHead`` asks a ``loss_cls`` with ``custom_cls_channels``,
    ``custom_activation`` and ``custom_accuracy`` set for the classifier's
    channel count (:meth:`get_cls_channels`), the test-time scores
    (``get_activation``, (N, C + 1) with background last) and the logged
    accuracies (``get_accuracy``). Subclasses set ``extra_channels``, the
    logits beyond the C class logits, and ``use_sigmoid``.

    A sigmoid loss passes ``prior_prob``: at ``init_weights`` the head's
    ``fc_cls`` bias starts at ``-log((1 - p) / p)`` (see
    :class:`ClassifierPriorMixin`); a checkpoint loaded afterwards keeps its
    own bias.
    """
    use_sigmoid = False
    custom_cls_channels = True
    custom_activation = True
    custom_accuracy = True

    def __init__(self,
                 num_classes: int,
                 loss_weight: float,
                 reduction: str,
                 use_sigmoid: bool,
                 prior_prob: Optional[float] = None) -> None:
        super().__init__(num_classes, loss_weight, reduction)
        if use_sigmoid != self.use_sigmoid:
            raise ValueError(f'{type(self).__name__} needs use_sigmoid='
                             f'{self.use_sigmoid}')
        self.init_prior(prior_prob, self.use_sigmoid)

    def get_cls_channels(self, num_classes: int) -> int:
        if num_classes != self.num_classes:
            raise ValueError(
                f'the bbox head has num_classes={num_classes} but '
                f'{type(self).__name__} has {self.num_classes}')
        return num_classes + self.extra_channels


class ClassSigmoidLoss(RoIClassificationLoss):
    """A sigmoid classifier of the C class logits alone, no background
    logit, as EQL and the Federated Loss use.

    Test scores, background last: ``score_j = sigmoid(z_j)`` and a zero
    background column, which mmdet's NMS leaves out.
    """
    extra_channels = 0
    use_sigmoid = True

    def get_activation(self, cls_score: Tensor) -> Tensor:
        """(N, C) logits -> (N, C + 1) scores with a zero background."""
        self.check_logits(cls_score)
        prob = at_least_float32(cls_score).sigmoid()
        return torch.cat([prob, prob.new_zeros(len(prob), 1)], -1)

    def get_accuracy(self, cls_score: Tensor,
                     labels: Tensor) -> Dict[str, Tensor]:
        return sigmoid_head_accuracy(cls_score, labels, self.num_classes,
                                     has_objectness=False)


class ObjectnessSigmoidLoss(RoIClassificationLoss):
    """A sigmoid classifier of C class logits and a last class-agnostic
    background (objectness) logit, as EQL v2 and ACSL use.

    Test scores, background last: ``score_j = sigmoid(z_j)``, or
    ``sigmoid(z_j) * (1 - sigmoid(z_bg))`` when ``objectness_gated_scores``;
    background ``sigmoid(z_bg)``, which mmdet's NMS leaves out.
    """
    extra_channels = 1
    use_sigmoid = True
    objectness_gated_scores = False

    def get_activation(self, cls_score: Tensor) -> Tensor:
        """(N, C + 1) logits -> (N, C + 1) scores, background last."""
        self.check_logits(cls_score)
        prob = at_least_float32(cls_score).sigmoid()
        if not self.objectness_gated_scores:
            return prob
        background = prob[..., -1:]
        return torch.cat([prob[..., :-1] * (1 - background), background], -1)

    def get_accuracy(self, cls_score: Tensor,
                     labels: Tensor) -> Dict[str, Tensor]:
        return sigmoid_head_accuracy(cls_score, labels, self.num_classes,
                                     has_objectness=True)
