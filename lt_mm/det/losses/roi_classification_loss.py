import torch.nn as nn
from torch import Tensor


class RoIClassificationLoss(nn.Module):
    """Base of the bbox-head losses that own their classifier layout.

    mmdet's ``BBoxHead`` asks a ``loss_cls`` with ``custom_cls_channels``,
    ``custom_activation`` and ``custom_accuracy`` set for the classifier's
    channel count (:meth:`get_cls_channels`), the test-time scores
    (``get_activation``, (N, C + 1) with background last) and the logged
    accuracies (``get_accuracy``). Subclasses set ``extra_channels``, the
    logits beyond the C class logits, and ``use_sigmoid``.
    """
    extra_channels = 0
    use_sigmoid = False
    custom_cls_channels = True
    custom_activation = True
    custom_accuracy = True

    def __init__(self, num_classes: int, loss_weight: float, reduction: str,
                 use_sigmoid: bool) -> None:
        super().__init__()
        if use_sigmoid != self.use_sigmoid:
            raise ValueError(f'{type(self).__name__} needs use_sigmoid='
                             f'{self.use_sigmoid}')
        self.num_classes = num_classes
        self.loss_weight = loss_weight
        self.reduction = reduction

    def get_cls_channels(self, num_classes: int) -> int:
        if num_classes != self.num_classes:
            raise ValueError(
                f'the bbox head has num_classes={num_classes} but '
                f'{type(self).__name__} has {self.num_classes}')
        return num_classes + self.extra_channels

    def check_logits(self, cls_score: Tensor) -> None:
        channels = self.num_classes + self.extra_channels
        if cls_score.size(-1) != channels:
            raise ValueError(
                f'{type(self).__name__} expects {channels} logits (num_classes'
                f' + {self.extra_channels}), got {cls_score.size(-1)}')
