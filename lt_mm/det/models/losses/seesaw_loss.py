from typing import Dict, Optional, Union

import torch
import torch.nn.functional as F
from mmdet.models.losses import accuracy
from torch import Tensor

from lt_mm.core import at_least_float32, seesaw_logits
from lt_mm.core.finite_statistics import FiniteStatisticsGuard
from lt_mm.core.losses.weighted_reduction import weight_reduce_loss
from lt_mm.registry import MODELS
from .roi_classification_loss import RoIClassificationLoss


class _SeesawRoICrossEntropy(torch.autograd.Function):
    """Per-RoI cross-entropies of Seesaw's layout: over the re-balanced
    class logits for the positive RoIs, over the two objectness logits for
    every RoI. Both gradients, ``softmax - one-hot`` (the Seesaw factors are
    constants of the graph), are written into one (N, C + 2) tensor; autograd
    through the slices and the positive-row selection would allocate and add
    three more."""

    @staticmethod
    def forward(ctx, cls_score, labels, cum_samples, p, q, eps):
        num_classes = cls_score.size(1) - 2
        logits = at_least_float32(cls_score)
        pos = (labels < num_classes).nonzero()[:, 0]
        pos_labels = labels[pos][:, None]
        log_p = F.log_softmax(
            seesaw_logits(logits[pos, :num_classes], pos_labels[:, 0],
                          cum_samples, p, q, eps), dim=1)
        obj_labels = (labels == num_classes).long()[:, None]
        log_obj = F.log_softmax(logits[:, num_classes:], dim=1)
        ctx.save_for_backward(log_p, pos_labels, pos, log_obj, obj_labels)
        ctx.input_dtype = cls_score.dtype
        return (-log_p.gather(1, pos_labels)[:, 0],
                -log_obj.gather(1, obj_labels)[:, 0])

    @staticmethod
    def backward(ctx, grad_classes, grad_objectness):
        log_p, pos_labels, pos, log_obj, obj_labels = ctx.saved_tensors
        num_rois, num_classes = log_obj.size(0), log_p.size(1)
        # one contiguous memset: zeroing the strided class block alone is
        # an element-wise copy, slower than the whole loss
        grad = log_obj.new_zeros(num_rois, num_classes + 2)
        classes = log_p.exp().scatter_add_(
            1, pos_labels, log_p.new_full(pos_labels.shape, -1.0))
        grad[pos, :num_classes] = classes.mul_(grad_classes[:, None])
        objectness = log_obj.exp().scatter_add_(
            1, obj_labels, log_obj.new_full(obj_labels.shape, -1.0))
        grad[:, num_classes:] = objectness.mul_(grad_objectness[:, None])
        return grad.to(ctx.input_dtype), None, None, None, None, None


@MODELS.register_module()
class SeesawLoss(RoIClassificationLoss):
    """Seesaw Loss for an mmdet bbox head (Wang et al., CVPR 2021).

    arXiv: https://arxiv.org/abs/2008.10032

    The classifier outputs ``num_classes + 2`` logits: the class logits and
    two objectness logits ``[foreground, background]``. Positive RoIs take a
    cross-entropy over the class logits re-balanced by
    :func:`lt_mm.core.seesaw_logits`; all RoIs take a 2-way cross-entropy on
    objectness. At test time ``score_j = softmax(class)_j * softmax(obj)_fg``
    and the background score is ``softmax(obj)_bg``.

    ``cum_samples``, the number of sampled RoIs of each class so far, is a
    float64 buffer: checkpoints carry it, and under torch.distributed each
    step's counts are summed over ranks before they are added, so all ranks
    agree. A checkpoint of mmdet's ``SeesawLoss`` loads as it is: its
    float32 ``cum_samples`` holds C + 1 counts, the last one the background
    RoIs, which its loss never reads (open-mmlab/mmdetection v3.3.0,
    mmdet/models/losses/seesaw_loss.py L130-L132, L245-L249, L262); the
    first C are taken.
    A RoI with a NaN or inf logit is not counted; ``statistics_guard``
    counts it and the first is reported once
    (:mod:`lt_mm.core.finite_statistics`).

    Args:
        num_classes (int): Foreground classes (1203 for LVIS v1).
        p (float): Mitigation exponent. Defaults to 0.8.
        q (float): Compensation exponent. Defaults to 2.0.
        eps (float): Lower bound of the true class's probability in the
            compensation factor. Defaults to 1e-2.
        loss_weight (float): Weight of both terms. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none'. Defaults to 'mean'.
        return_dict (bool): Log the class and objectness terms separately.
            Defaults to True.
        use_sigmoid (bool): The key of mmdet's ``loss_cls`` configs; Seesaw
            is a softmax loss and raises unless it is False. Defaults to False.
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
        self.statistics_guard = FiniteStatisticsGuard(
            f'{type(self).__name__} (cum_samples)')

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        key = prefix + 'cum_samples'
        counts = state_dict.get(key)
        if counts is not None:
            if counts.shape == (self.num_classes + 1, ):
                # mmdet's layout: the background count is dropped, as its
                # loss drops it; any other length stays a size mismatch
                counts = counts[:-1]
            # float64 even when loaded with assign=True
            state_dict[key] = counts.to(self.cum_samples.dtype)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

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
    def _count(self, cls_score: Tensor, labels: Tensor) -> None:
        keep = self.statistics_guard.finite_rows(cls_score)
        # no boolean indexing or bincount: both sync with the host on CUDA
        counts = self.cum_samples.new_zeros(self.num_classes + 1).index_add_(
            0, labels, keep.to(self.cum_samples))
        counts, = self.statistics_guard.record(counts[:-1])
        self.cum_samples += counts

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None
                ) -> Union[Tensor, Dict[str, Tensor]]:
        reduction = reduction_override or self.reduction
        self.check_logits(cls_score)
        if self.training:
            # every rank, even with no RoIs: all-reduce
            self._count(cls_score, labels)
        if label_weights is None:
            label_weights = labels.new_ones(labels.shape, dtype=torch.float)
        label_weights = label_weights.float()
        pos = labels < self.num_classes

        classes_per_roi, objectness_per_roi = _SeesawRoICrossEntropy.apply(
            cls_score, labels, self.cum_samples, self.p, self.q, self.eps)
        # with no positives (or no RoIs) the sums keep the graph: zero loss,
        # zero gradients
        if pos.any():
            loss_classes = weight_reduce_loss(classes_per_roi,
                                              label_weights[pos], reduction,
                                              avg_factor)
        else:
            loss_classes = classes_per_roi.sum()
        if labels.numel():
            loss_objectness = weight_reduce_loss(objectness_per_roi,
                                                 label_weights, reduction,
                                                 avg_factor)
        else:
            loss_objectness = objectness_per_roi.sum()
        loss_classes = self.loss_weight * loss_classes
        loss_objectness = self.loss_weight * loss_objectness
        if self.return_dict:
            return dict(
                loss_cls_objectness=loss_objectness,
                loss_cls_classes=loss_classes)
        return loss_classes + loss_objectness
