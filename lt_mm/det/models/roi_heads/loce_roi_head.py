from contextlib import nullcontext
from typing import List, Tuple

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi, get_box_tensor
from mmdet.utils import InstanceList
from torch import Tensor

from lt_mm.core.feature_memory import ClassFeatureMemory, jittered_boxes
from lt_mm.core.finite_statistics import FiniteStatisticsGuard
from lt_mm.core.losses.equilibrium import (mean_score_statistics,
                                           update_mean_score)
from lt_mm.registry import MODELS

NUM_JITTERED = 16  # 2^4 directions of the four box coordinates


@MODELS.register_module()
class LOCERoIHead(StandardRoIHead):
    """RoI head of LOCE (Feng et al., "Exploring Classification Equilibrium
    in Long-Tailed Object Detection", ICCV 2021).

    arXiv: https://arxiv.org/abs/2108.07507

    On top of :class:`mmdet.models.roi_heads.StandardRoIHead`, in training:

    1. Memory: the RoI features of 16 boxes jittered around every ground
       truth (:func:`lt_mm.core.feature_memory.jittered_boxes`), with their
       regression targets, enter per-class FIFO queues of ``queue_size``
       (:class:`lt_mm.core.feature_memory.ClassFeatureMemory`).
    2. Memory-augmented sampling: ``sampled_classes`` classes drawn with
       probability proportional to ``1 / m_c``, ``sampled_features`` stored
       features each, are appended to the sampled RoIs as positives of their
       class (classification and regression targets, weight 1).
    3. Mean scores: ``mean_score`` (C + 1 entries, init ``init_score``,
       background fixed at ``background_score``) is updated from the
       detached softmax of the raw logits: one entry per ground truth with a
       positive RoI (its positives' mean probability of its class) and one
       per drawn memory class, summed over ranks, then ``m_c <- a^n m_c +
       (1 - a^n) mean`` (:mod:`lt_mm.core.losses.equilibrium`).
    4. The bbox loss; a ``loss_cls`` of type ``lt_mm.EquilibriumLoss`` gets
       the updated mean scores.

    ``mean_score`` is a buffer saved in checkpoints (a resumed run continues
    it); the memory is a non-persistent buffer unless ``persistent_memory``
    (see :class:`ClassFeatureMemory`): ``lt_mm.FeatureMemoryInitHook`` fills
    it before training, also after a resume. A RoI or memory feature whose
    logits hold a NaN or inf makes no mean-score entry, and a feature or
    target holding one does not enter the memory; ``statistics_guard``
    counts them and the first is reported once
    (:mod:`lt_mm.core.finite_statistics`). Testing
    is the host's, with the plain softmax of the logits.

    Args:
        queue_size (int): Features per class in the memory. Defaults to 80.
        sampled_classes (int): Classes drawn per step. Defaults to 8.
        sampled_features (int): Features per drawn class. Defaults to 4.
        jitter (float): Largest shift of a jittered box coordinate, as a
            fraction of the box's width or height. Defaults to 1/6.
        momentum (float): ``a`` of the mean-score update. Defaults to 0.9.
        init_score (float): Initial foreground mean score. Defaults to 0.01.
        background_score (float): Fixed background mean score. Defaults to
            0.01.
        persistent_memory (bool): Save the memory in checkpoints.
        **kwargs: The arguments of ``StandardRoIHead``.
    """

    def __init__(self,
                 *args,
                 queue_size: int = 80,
                 sampled_classes: int = 8,
                 sampled_features: int = 4,
                 jitter: float = 1 / 6,
                 momentum: float = 0.9,
                 init_score: float = 0.01,
                 background_score: float = 0.01,
                 persistent_memory: bool = False,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.with_bbox:
            raise ValueError('LOCERoIHead needs a bbox_head')
        if self.bbox_head.custom_cls_channels:
            raise ValueError(
                'LOCERoIHead needs a softmax classifier of num_classes + 1 '
                f'logits; {type(self.bbox_head.loss_cls).__name__} sets '
                'its own classifier layout')
        if self.bbox_head.reg_decoded_bbox:
            raise ValueError(
                'LOCERoIHead stores encoded regression targets in its '
                'memory: reg_decoded_bbox must be False')
        if init_score <= 0 or background_score <= 0:
            raise ValueError('init_score and background_score must be '
                             'positive')
        self.num_classes = self.bbox_head.num_classes
        self.sampled_classes = sampled_classes
        self.sampled_features = sampled_features
        self.jitter = jitter
        self.momentum = momentum
        mean_score = torch.full((self.num_classes + 1, ), float(init_score))
        mean_score[-1] = background_score
        self.register_buffer('mean_score', mean_score)
        self.statistics_guard = FiniteStatisticsGuard(
            f'{type(self).__name__} (mean_score)')
        self.feature_memory = ClassFeatureMemory(
            self.num_classes, queue_size, persistent=persistent_memory)

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        # the memory takes this batch before sampling from it, as in the
        # authors' code
        self.push_to_memory(x, batch_data_samples)
        return super().loss(x, rpn_results_list, batch_data_samples)

    @torch.no_grad()
    def push_to_memory(self, x: Tuple[Tensor],
                       batch_data_samples: SampleList) -> None:
        """Put the RoI features and regression targets of the jittered
        ground-truth boxes of the batch into the memory."""
        boxes, gt_boxes, labels = [], [], []
        for sample in batch_data_samples:
            gts = get_box_tensor(sample.gt_instances.bboxes)
            jittered = jittered_boxes(gts, sample.metainfo['img_shape'],
                                      self.jitter).reshape(-1, 4)
            boxes.append(jittered)
            gt_boxes.append(gts.repeat_interleave(NUM_JITTERED, 0))
            labels.append(
                sample.gt_instances.labels.repeat_interleave(NUM_JITTERED))
        labels = torch.cat(labels)
        if len(labels) == 0:
            return
        rois = bbox2roi(boxes)
        features = self.bbox_roi_extractor(
            x[:self.bbox_roi_extractor.num_inputs], rois)
        targets = self.bbox_head.bbox_coder.encode(
            torch.cat(boxes), torch.cat(gt_boxes))
        self.feature_memory.push(features, labels, targets)

    def bbox_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult]) -> dict:
        """The host's bbox loss on the sampled RoIs plus the features drawn
        from the memory; the returned ``cls_score``, ``bbox_pred`` and
        ``bbox_feats`` are those of the sampled RoIs (the mask branch's)."""
        rois = bbox2roi([res.priors for res in sampling_results])
        bbox_feats = self.bbox_roi_extractor(
            x[:self.bbox_roi_extractor.num_inputs], rois)
        memory_feats, memory_labels, memory_targets = \
            self.feature_memory.sample(self.mean_score, self.sampled_classes,
                                       self.sampled_features)
        num_rois, num_memory = len(rois), len(memory_labels)
        feats = torch.cat([bbox_feats, memory_feats.to(bbox_feats)])
        if self.with_shared_head:
            feats = self.shared_head(feats)
        cls_score, bbox_pred = self.bbox_head(feats)

        labels, label_weights, bbox_targets, bbox_weights = \
            self.bbox_head.get_targets(sampling_results, self.train_cfg)
        labels = torch.cat([labels, memory_labels.to(labels.device)])
        label_weights = torch.cat(
            [label_weights,
             label_weights.new_ones(num_memory)])
        bbox_targets = torch.cat(
            [bbox_targets, memory_targets.to(bbox_targets)])
        bbox_weights = torch.cat(
            [bbox_weights,
             bbox_weights.new_ones(num_memory, bbox_weights.size(1))])
        # memory features have no RoI; rois only serve decoded regression,
        # which the constructor rules out
        all_rois = torch.cat([rois, rois.new_zeros(num_memory, 5)])

        self.update_mean_score(cls_score, sampling_results, labels[num_rois:])
        loss_cls = self.bbox_head.loss_cls
        bound = loss_cls.mean_score_bound(self.mean_score) if hasattr(
            loss_cls, 'mean_score_bound') else nullcontext()
        with bound:
            loss_bbox = self.bbox_head.loss(cls_score, bbox_pred, all_rois,
                                            labels, label_weights,
                                            bbox_targets, bbox_weights)
        return dict(
            cls_score=cls_score[:num_rois],
            bbox_pred=bbox_pred[:num_rois],
            bbox_feats=feats[:num_rois],
            loss_bbox=loss_bbox)

    @torch.no_grad()
    def update_mean_score(self, cls_score: Tensor,
                          sampling_results: List[SamplingResult],
                          memory_labels: Tensor) -> None:
        """Update ``mean_score`` from the logits of the sampled RoIs followed
        by those of the memory features (labels ``memory_labels``)."""
        rows, labels, groups = [], [], []
        first_row = first_gt = 0
        for res in sampling_results:
            num_pos = len(res.pos_inds)  # priors: positives first
            rows.append(first_row + torch.arange(num_pos,
                                                 device=cls_score.device))
            labels.append(res.pos_gt_labels)
            groups.append(first_gt + res.pos_assigned_gt_inds)
            first_row += len(res.priors)
            first_gt += res.num_gts
        rows.append(first_row + torch.arange(
            len(memory_labels), device=cls_score.device))
        labels.append(memory_labels)
        # one entry per drawn memory class, after all ground truths
        groups.append(first_gt + memory_labels)
        rows, labels, groups = (torch.cat(t).to(cls_score.device).long()
                                for t in (rows, labels, groups))
        keep = self.statistics_guard.finite_rows(cls_score.detach()[rows])
        probs = cls_score.detach().float().softmax(-1)[rows, labels]
        probs, labels, groups = probs[keep], labels[keep], groups[keep]
        sums, counts = mean_score_statistics(probs, labels, groups,
                                             self.num_classes)
        # every rank takes part in the reduction, with or without entries
        sums, counts = self.statistics_guard.record(sums, counts)
        self.mean_score.copy_(
            update_mean_score(self.mean_score, sums, counts, self.momentum))
