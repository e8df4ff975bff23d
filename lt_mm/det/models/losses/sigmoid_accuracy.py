from typing import Dict

from mmdet.models.losses import accuracy
from torch import Tensor


def sigmoid_head_accuracy(cls_score: Tensor, labels: Tensor, num_classes: int,
                          has_objectness: bool) -> Dict[str, Tensor]:
    """Accuracy of a sigmoid classifier with C class logits and, if
    ``has_objectness``, a last class-agnostic background logit.

    ``acc_classes``: top-1 class of the positive RoIs. ``acc_objectness``:
    background decided by sigmoid(z_obj) > 0.5, over all RoIs.
    """
    pos = labels < num_classes
    acc = dict(acc_classes=accuracy(cls_score[pos, :num_classes],
                                    labels[pos]))
    if has_objectness:
        is_bg = (labels == num_classes)
        predicted_bg = cls_score[:, num_classes] > 0
        acc['acc_objectness'] = (predicted_bg == is_bg).float().mean() * 100 \
            if len(labels) else cls_score.new_tensor(0.)
    return acc
