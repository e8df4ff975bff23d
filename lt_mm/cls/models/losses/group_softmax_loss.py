from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from lt_mm.core import (ClassCountsReceiver, ClassStatistics,
                        at_least_float32)
from lt_mm.core.losses.group_softmax import (group_of_classes,
                                             group_softmax_losses,
                                             group_softmax_probabilities)
from lt_mm.core.losses.soft_target import as_soft_target
from lt_mm.registry import MODELS


@MODELS.register_module()
class ClsGroupSoftmaxLoss(ClassCountsReceiver, nn.Module):
    """Balanced Group Softmax (BAGS; Li et al., "Overcoming Classifier
    Imbalance for Long-tail Object Detection with Balanced Group Softmax",
    CVPR 2020) for an mmpretrain classifier, the loss of
    :class:`lt_mm.GroupSoftmaxClsHead`.

    arXiv: https://arxiv.org/abs/2006.10408

    The classes are binned into G = ``len(bins) + 1`` groups by their
    training sample counts. The classifier outputs ``C + G`` logits: the C
    class logits, then one "others" logit o_g per group. Each group has its
    own softmax over its classes and o_g,

        p_g(j) = exp(z_j) / (exp(o_g) + sum_{k in g} exp(z_k)),

    a sample is a positive of its class's group and "others" in every other
    group, "others" are subsampled to ``others_ratio`` times the group's
    positives, and

        L = sum_g  mean over the kept samples of g of  -log p_g(target),

    a group without positives in the batch contributing nothing. It has no
    background group: classification has no background, so the detection
    adapter's group 0 (:class:`lt_mm.GroupSoftmaxLoss`) is left out. The math
    is :mod:`lt_mm.core.losses.group_softmax`, shared with detection.

    Test time (:meth:`class_probabilities`): the score of class c is its
    probability p_g(c) inside its group, "others" discarded. With
    ``renormalize`` (default) the C scores are divided by their sum; that
    keeps every ranking (the same factor for all classes of a sample), so
    top-k accuracy does not change, and gives the distribution over classes
    that mmpretrain's ``pred_score`` is elsewhere.

    Groups: the published detection bins (10, 100, 1000) are made for LVIS
    instance counts (1 to tens of thousands). On CIFAR-100-LT (5 to 500
    images a class) and ImageNet-LT (5 to 1280) they would put only the
    classes under 10 images in the first group, and leave the [1000, inf)
    group empty on CIFAR. The default bins (20, 101) are instead the
    benchmarks' few / medium / many-shot split (n < 20, 20 <= n <= 100,
    n > 100 for integer counts; Liu et al., CVPR 2019): three non-empty
    groups on both datasets (CIFAR-100-LT 30 / 35 / 35 classes, ImageNet-LT
    136 / 479 / 385), each spanning a factor of 4 to 13 in frequency (the
    published bins a factor of 10), so each softmax compares classes of
    similar frequency, the idea of the paper. A group
    without classes is dropped: it never has positives, so its "others"
    logit takes no part in the loss or the scores.

    A soft target t (mixup / cutmix ``gt_score``) splits each sample into one
    row per non-zero t_j, labelled j and weighted t_j. Every group then sees
    the expectation of the hard-label numerator,
    ``sum_{j in g} t_j (-log p_g(j)) + (1 - sum_{j in g} t_j) (-log
    p_g(others))``, over an expected count of 1 per sample; a one-hot target
    gives the hard-label loss exactly (see
    :mod:`lt_mm.core.losses.soft_target`).

    The class counts come from :class:`lt_mm.ClassStatisticsHook` and are kept
    in the ``class_counts`` buffer, the groups in the ``group`` buffer, so a
    checkpoint predicts without training data.

    Args:
        num_classes (int): Number of classes C.
        bins (Sequence[int]): Increasing sample-count bin edges; group g holds
            the classes with ``bins[g-1] <= n < bins[g]``. Defaults to
            (20, 101), see above.
        others_ratio (float): "others" kept per positive in each group.
            Defaults to 8 (the paper).
        renormalize (bool): Rescale the test-time scores to sum to 1.
            Defaults to True.
        loss_weight (float): Defaults to 1.0.
        reduction (str): Only 'mean': each group is averaged over its kept
            samples. ``avg_factor`` (mmpretrain passes the batch size) is
            ignored for the same reason.
    """

    def __init__(self,
                 num_classes: int,
                 bins: Sequence[float] = (20, 101),
                 others_ratio: float = 8.0,
                 renormalize: bool = True,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__()
        self.init_class_statistics(num_classes)
        if reduction != 'mean':
            raise ValueError('ClsGroupSoftmaxLoss averages each group over '
                             "its kept samples: only reduction='mean' "
                             f'applies, got {reduction!r}')
        if not others_ratio > 0:
            raise ValueError(
                f'others_ratio must be positive, got {others_ratio}')
        group_of_classes(np.zeros(1), bins)  # raises on bad bins
        self.bins = tuple(bins)
        self.num_groups = len(self.bins) + 1
        self.others_ratio = others_ratio
        self.renormalize = renormalize
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.register_buffer('group',
                             torch.zeros(num_classes, dtype=torch.long))

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        super().receive_class_statistics(stats)
        self.group.copy_(
            torch.as_tensor(
                group_of_classes(self.class_counts.cpu().numpy(),
                                 self.bins)))

    def split(self, cls_score: Tensor) -> Tuple[Tensor, Tensor]:
        """(N, C + G) logits -> (N, C) class and (N, G) "others" logits."""
        width = self.num_classes + self.num_groups
        if cls_score.dim() != 2 or cls_score.shape[1] != width:
            raise ValueError(
                f'ClsGroupSoftmaxLoss needs (N, {width}) logits: '
                f'{self.num_classes} classes, then one "others" logit for '
                f'each of the {self.num_groups} groups (use '
                'lt_mm.GroupSoftmaxClsHead); got shape '
                f'{tuple(cls_score.shape)}')
        logits = at_least_float32(cls_score)
        return logits[:, :self.num_classes], logits[:, self.num_classes:]

    def class_probabilities(self, cls_score: Tensor) -> Tensor:
        """(N, C + G) logits -> (N, C) scores: p_g(c) of each class in its
        group, renormalised to sum to 1 when ``renormalize``."""
        self.require_class_counts()
        logits, others = self.split(cls_score)
        scores = group_softmax_probabilities(logits, others, self.group)
        if self.renormalize:
            scores = scores / scores.sum(1, keepdim=True).clamp(min=1e-12)
        return scores

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        if reduction_override not in (None, 'mean'):
            raise ValueError('ClsGroupSoftmaxLoss averages each group over '
                             "its kept samples: only reduction='mean' "
                             f'applies, got {reduction_override!r}')
        self.require_class_counts()
        logits, others = self.split(cls_score)
        if len(label) != len(cls_score):
            raise ValueError(f'{len(label)} targets for {len(cls_score)} '
                             'samples')
        target = as_soft_target(label, self.num_classes)
        if weight is not None and weight.shape != (len(cls_score), ):
            raise ValueError('weight must be (N, ) per-sample weights, got '
                             f'shape {tuple(weight.shape)}')
        if not len(cls_score):  # keep the graph: zero loss, zero gradients
            return cls_score.sum() * 0
        rows, labels = target.nonzero(as_tuple=True)
        row_weights = target[rows, labels].to(logits)
        if weight is not None:
            row_weights = row_weights * weight[rows].to(logits)
        losses = group_softmax_losses(logits[rows], others[rows], labels,
                                      self.group, self.others_ratio,
                                      row_weights)
        return self.loss_weight * losses.sum()
