from typing import List, Optional, Tuple

import torch
import torch.nn as nn
from mmpretrain.evaluation.metrics import Accuracy
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS as HOST_MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.registry import MODELS
from ..losses.group_softmax_loss import ClsGroupSoftmaxLoss


@MODELS.register_module()
class GroupSoftmaxClsHead(LinearClsHead):
    """Linear head of Balanced Group Softmax (BAGS; Li et al., CVPR 2020):
    ``fc`` outputs the C class logits and one "others" logit for each of the
    G class groups of its loss, :class:`lt_mm.ClsGroupSoftmaxLoss`, which
    holds the groups (``loss_module.class_counts`` / ``loss_module.group``
    buffers, filled by :class:`lt_mm.ClassStatisticsHook`, so a checkpoint
    predicts without training data).

    arXiv: https://arxiv.org/abs/2006.10408

    ``forward`` returns the (N, C + G) logits, ``loss`` the group-softmax
    loss, ``predict`` C class scores: each class's probability inside its
    group's softmax, "others" discarded (renormalised by the loss's
    ``renormalize``). With ``cal_acc`` the training accuracy is taken on
    those C scores.

    In the decoupled recipe (``configs/cifar100_lt/resnet32_bags.py``) the
    first stage's ``head.fc`` (C outputs) does not fit this one, and the
    classifier is trained from a fresh initialisation.

    Args:
        num_classes (int): Number of classes, as in ``LinearClsHead``.
        in_channels (int): Input feature channels, as in ``LinearClsHead``.
        loss (dict | ClsGroupSoftmaxLoss): The loss; ``num_classes`` is
            filled in when the dict leaves it out. Defaults to
            ``dict(type='lt_mm.ClsGroupSoftmaxLoss')``.
        **kwargs: LinearClsHead's other arguments.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: Optional[dict] = None,
                 **kwargs) -> None:
        if loss is None:
            loss = dict(type='lt_mm.ClsGroupSoftmaxLoss')
        if isinstance(loss, dict):
            loss_type = loss.get('type')
            if isinstance(loss_type, str):
                loss_type = HOST_MODELS.get(loss_type)
        else:
            loss_type = type(loss)
        if not (isinstance(loss_type, type)
                and issubclass(loss_type, ClsGroupSoftmaxLoss)):
            raise TypeError('GroupSoftmaxClsHead needs a '
                            'lt_mm.ClsGroupSoftmaxLoss as its loss, got '
                            f'{loss!r}')
        if isinstance(loss, dict):
            loss = dict(loss)
            loss.setdefault('num_classes', num_classes)
            loss = HOST_MODELS.build(loss)
        if loss.num_classes != num_classes:
            raise ValueError(
                f'GroupSoftmaxClsHead has num_classes={num_classes} but its '
                f'loss has num_classes={loss.num_classes}')
        super().__init__(num_classes, in_channels, loss=loss, **kwargs)
        self.num_groups = loss.num_groups
        self.fc = nn.Linear(self.in_channels,
                            self.num_classes + self.num_groups)

    def class_scores(self, feats: Tuple[Tensor]) -> Tensor:
        """(N, C) test-time class scores."""
        return self.loss_module.class_probabilities(self(feats))

    def _get_loss(self, cls_score: Tensor, data_samples: List[DataSample],
                  **kwargs) -> dict:
        if not data_samples:
            target = torch.zeros(0, dtype=torch.long,
                                 device=cls_score.device)
        elif 'gt_score' in data_samples[0]:
            target = torch.stack([i.gt_score for i in data_samples])
        else:
            target = torch.cat([i.gt_label for i in data_samples])
        losses = dict(loss=self.loss_module(
            cls_score, target, avg_factor=cls_score.size(0), **kwargs))
        if self.cal_acc:
            if target.ndim != 1:
                raise ValueError(
                    'cal_acc needs class-index targets; with batch '
                    'augmentations (mixup / cutmix) set cal_acc=False')
            with torch.no_grad():
                scores = self.loss_module.class_probabilities(cls_score)
            acc = Accuracy.calculate(scores, target, topk=self.topk)
            losses.update(
                {f'accuracy_top-{k}': a
                 for k, a in zip(self.topk, acc)})
        return losses

    def predict(self,
                feats: Tuple[Tensor],
                data_samples: Optional[List[Optional[DataSample]]] = None
                ) -> List[DataSample]:
        scores = self.class_scores(feats)
        labels = scores.argmax(dim=1, keepdim=True).detach()
        if data_samples is None:
            data_samples = [None] * len(scores)
        out = []
        for data_sample, score, label in zip(data_samples, scores, labels):
            if data_sample is None:
                data_sample = DataSample()
            out.append(data_sample.set_pred_score(score).set_pred_label(label))
        return out
