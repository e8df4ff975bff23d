from typing import Optional

import torch
from torch import Tensor

from lt_mm.core import (at_least_float32, class_weighted_bce,
                        eqlv2_gradient_sums, eqlv2_weights)
from lt_mm.core.finite_statistics import FiniteStatisticsGuard, zero_rows
from lt_mm.registry import MODELS
from .roi_classification_loss import ObjectnessSigmoidLoss


@MODELS.register_module()
class EqualizationLossV2(ObjectnessSigmoidLoss):
    """Equalization Loss v2 for an mmdet bbox head (Tan et al., CVPR 2021).

    arXiv: https://arxiv.org/abs/2012.08548

    The classifier outputs ``num_classes + 1`` logits, the last a
    class-agnostic objectness logit whose target is 1 for background RoIs.
    Each class's positive and negative gradients are re-weighted from the
    gradient sums accumulated so far (see :mod:`lt_mm.core.losses.eqlv2`);
    the loss is ``sum(w * BCE) / N_RoI``. At test time, as in the authors'
    code (tztztztztz/eqlv2, mmdet/models/losses/eqlv2.py L88-L94,
    ``test_with_obj=True``), ``score_j = sigmoid(z_j) * (1 - sigmoid(z_obj))``
    and the background score is ``sigmoid(z_obj)``. All C + 1 classifier
    biases, objectness included, start at the prior -log((1 - p) / p),
    p = 0.001 (eqlv2, mmdet/models/roi_heads/bbox_heads/convfc_bbox_head.py
    L154-L156).

    ``pos_grad`` and ``neg_grad`` are float64 buffers: checkpoints carry
    them, and each step's sums are all-reduced over ranks before they are
    added (mmdet's port keeps per-GPU sums by default). A checkpoint of
    mmdet's ``EQLV2Loss`` loads as it is: its float32 ``pos_grad`` and
    ``neg_grad`` are taken as float64, and its third buffer ``pos_neg``, the
    ratio ``pos_grad / (neg_grad + 1e-10)`` it recomputes after every step
    (open-mmlab/mmdetection v3.3.0, mmdet/models/losses/eqlv2_loss.py
    L73-L78, L164-L166), is not kept: the weights are derived from the two
    sums. A RoI with a NaN or inf logit or weight is left out of the sums
    (the authors' add it, and one NaN turns every weight into 1 for the rest
    of the run), counted in ``statistics_guard`` and reported once
    (:mod:`lt_mm.core.finite_statistics`).

    Args:
        num_classes (int): Foreground classes. Defaults to 1203.
        gamma (float): The paper's gamma. Defaults to 12.
        mu (float): The paper's mu. Defaults to 0.8.
        alpha (float): The paper's alpha. Defaults to 4.
        loss_weight (float): Defaults to 1.0.
        reduction (str): 'mean' (over RoIs), 'sum' or 'none' (per RoI).
            Defaults to 'mean'.
        use_sigmoid (bool): The key of mmdet's ``loss_cls`` configs; EQL v2
            is a sigmoid loss and raises unless it is True. Defaults to True.
        prior_prob (float, optional): Prior p of the classifier bias, set
            when the head is initialised; None keeps the head's
            initialisation. Defaults to 0.001.
        objectness_gated_scores (bool): Test scores
            ``sigmoid(z_j) * (1 - sigmoid(z_obj))`` (the authors') rather
            than ``sigmoid(z_j)``. Defaults to True.
    """

    def __init__(self,
                 num_classes: int = 1203,
                 gamma: float = 12.0,
                 mu: float = 0.8,
                 alpha: float = 4.0,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 use_sigmoid: bool = True,
                 prior_prob: Optional[float] = 0.001,
                 objectness_gated_scores: bool = True) -> None:
        super().__init__(num_classes, loss_weight, reduction, use_sigmoid,
                         prior_prob)
        self.objectness_gated_scores = objectness_gated_scores
        self.gamma, self.mu, self.alpha = gamma, mu, alpha
        self.register_buffer('pos_grad',
                             torch.zeros(num_classes, dtype=torch.float64))
        self.register_buffer('neg_grad',
                             torch.zeros(num_classes, dtype=torch.float64))
        self.statistics_guard = FiniteStatisticsGuard(
            f'{type(self).__name__} (pos_grad, neg_grad)')

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        # mmdet's EQLV2Loss: a ratio of the two sums, read from them here
        state_dict.pop(prefix + 'pos_neg', None)
        for name in ('pos_grad', 'neg_grad'):
            if prefix + name in state_dict:
                # float64 even when loaded with assign=True
                state_dict[prefix + name] = state_dict[prefix + name].to(
                    self._buffers[name].dtype)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def class_weights(self, like: Tensor) -> Tensor:
        """(2, C + 1) positive and negative weights in ``like``'s dtype;
        objectness keeps 1."""
        weights = like.new_ones(2, self.num_classes + 1)
        weights[0, :-1], weights[1, :-1] = eqlv2_weights(
            self.pos_grad, self.neg_grad, self.gamma, self.mu, self.alpha)
        return weights

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        self.check_logits(cls_score)
        reduction = reduction_override or self.reduction
        logits = at_least_float32(cls_score)
        pos_w, neg_w = self.class_weights(logits)
        row_w = logits.new_ones(len(labels)) if label_weights is None \
            else label_weights.to(logits)
        loss, prob = class_weighted_bce(logits, labels, pos_w, neg_w)
        if self.training:
            keep = self.statistics_guard.finite_rows(logits, row_w)
            pos, neg = eqlv2_gradient_sums(
                zero_rows(prob, keep), labels, pos_w, neg_w,
                zero_rows(row_w, keep))
            pos, neg = self.statistics_guard.record(pos[:-1].double(),
                                                    neg[:-1].double())
            self.pos_grad += pos
            self.neg_grad += neg
        return self.reduce_per_sample(loss, row_w, reduction, avg_factor)
