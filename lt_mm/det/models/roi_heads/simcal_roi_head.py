import copy
import logging
from typing import List, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn.functional as F
from mmdet.models.layers import multiclass_nms
from mmdet.models.losses import accuracy
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.utils import unpack_gt_instances
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import InstanceList
from mmengine.config import ConfigDict
from mmengine.logging import print_log
from mmengine.structures import InstanceData
from torch import Tensor

from lt_mm.core import ClassStatistics, ClassStatisticsReceiver
from lt_mm.core.dual_head_calibration import (calibration_positives,
                                              episode_share,
                                              merge_dual_head_scores,
                                              select_calibration_rois)
from lt_mm.registry import MODELS


@MODELS.register_module()
class SimCalRoIHead(ClassStatisticsReceiver, StandardRoIHead):
    """Mask R-CNN RoI head with SimCal's calibration head.

    arXiv: https://arxiv.org/abs/2007.11978

    Wang et al., "The Devil is in Classification: A Simple Framework for
    Long-tail Instance Segmentation", ECCV 2020. A trained detector is
    frozen and a new classification head learns on its RoI features from
    bi-level sampled episodes (:class:`lt_mm.BiLevelSampler`): per image the
    positive RoIs (assigner IoU 0.5, ``train_cfg.rcnn``) whose label is the
    class the image was drawn for, plus as many background RoIs over the
    episode, with plain cross-entropy averaged over the episode
    (:mod:`lt_mm.core.dual_head_calibration`). An episode spread over DDP
    processes (:class:`lt_mm.BiLevelSampler` gives each its share) trains
    as the authors' one-process episode: the processes share the
    positives' and negatives' counts and the background draw, and each
    divides its summed loss by ``(P + N) / world_size``, so DDP's gradient
    average is the episode's mean (the logged ``loss_cls_calib`` is this
    process's part times ``world_size``).
    At inference classes with fewer than ``instance_threshold`` (100)
    training instances take the calibrated head's softmax scores, the others
    keep the detector's::

        s_j = q_j  if n_j < T  else  p_j

    The calibration head defaults to the box head's architecture without
    its regressor (2 FC + classifier, the paper's best) and is initialised
    from the box head's weights at the first training step, i.e. after
    ``load_from`` has loaded the detector: mmengine loads that checkpoint
    after ``init_weights`` and before the first iteration. A buffer records
    that it happened, so resuming or loading a calibrated checkpoint never
    copies again. Instance counts come from :class:`lt_mm.ClassStatisticsHook`
    into a buffer, so ``tools/test.py`` needs only the checkpoint.

    Train only ``roi_head.calibration_head`` (with
    :class:`lt_mm.DecoupledOptimWrapperConstructor`); the box and mask
    losses of the frozen detector are not computed.

    Args:
        bbox_head (dict, optional): Config of the box head, as for
            :class:`mmdet.models.StandardRoIHead`. Defaults to None.
        calibration_head (dict, optional): Config of the calibration head,
            a box head whose ``forward`` returns ``(cls_score, bbox_pred)``.
            Defaults to ``bbox_head`` with ``with_reg=False`` and softmax
            cross-entropy.
        instance_threshold (int): Classes with fewer training instances use
            the calibrated scores. Defaults to 100.
        init_from_bbox_head (bool): Copy the box head's weights of equal name
            and shape into the calibration head before training.
            Defaults to True.
        **kwargs: :class:`mmdet.models.StandardRoIHead`'s arguments.
    """

    def __init__(self,
                 bbox_head: Optional[dict] = None,
                 calibration_head: Optional[dict] = None,
                 instance_threshold: int = 100,
                 init_from_bbox_head: bool = True,
                 **kwargs) -> None:
        super().__init__(bbox_head=bbox_head, **kwargs)
        if not self.with_bbox:
            raise ValueError('SimCalRoIHead needs a bbox_head')
        if self.bbox_head.custom_cls_channels:
            raise ValueError(
                'SimCal merges softmax scores; the detector\'s box head must '
                f'use softmax cross-entropy, not '
                f'{type(self.bbox_head.loss_cls).__name__}')
        if calibration_head is None:
            calibration_head = copy.deepcopy(bbox_head)
            calibration_head.update(
                with_reg=False,
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0))
            calibration_head.pop('loss_bbox', None)
        self.calibration_head = MMDET_MODELS.build(calibration_head)
        if self.calibration_head.num_classes != self.bbox_head.num_classes:
            raise ValueError(
                f'the calibration head has num_classes='
                f'{self.calibration_head.num_classes}, the box head '
                f'{self.bbox_head.num_classes}')
        if instance_threshold < 0:
            raise ValueError(
                f'instance_threshold must be >= 0, got {instance_threshold}')
        self.instance_threshold = instance_threshold
        self.init_from_bbox_head = init_from_bbox_head
        self.init_class_statistics()
        self.register_buffer(
            'instance_counts',
            torch.zeros(self.num_classes, dtype=torch.float64))
        # 1 once calibration training has started (after the weight copy)
        self.register_buffer('calibrated',
                             torch.zeros((), dtype=torch.float32))
        self._warned_uncalibrated = False

    @property
    def num_classes(self) -> int:
        return self.bbox_head.num_classes

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        """Store the training set's instance counts (ClassStatisticsHook)."""
        self.instance_counts.copy_(
            torch.as_tensor(stats.instance_counts, dtype=torch.float64))

    @property
    def calibrated_classes(self) -> Tensor:
        """``(C,)`` bool: the classes that take the calibrated scores."""
        self.require_statistics()
        return self.instance_counts < self.instance_threshold

    @torch.no_grad()
    def init_calibration_head(self) -> None:
        """Copy the box head's weights of equal name and shape."""
        source = self.bbox_head.state_dict()
        target = self.calibration_head.state_dict()
        copied = [
            k for k, v in target.items()
            if k in source and source[k].shape == v.shape
        ]
        if not copied:
            raise ValueError('the calibration head shares no weight of the '
                             'same name and shape with the box head')
        for name in copied:
            target[name].copy_(source[name])
        left = sorted(set(target) - set(copied))
        print_log(
            f'SimCal: calibration head initialised from the box head '
            f'({len(copied)} tensors)' +
            (f'; kept fresh: {", ".join(left)}' if left else ''),
            logger='current')

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        """Calibration loss on the frozen detector's RoI features."""
        if not self.calibrated:
            if self.init_from_bbox_head:
                self.init_calibration_head()
            self.calibrated.fill_(1)
        sampled_classes = [
            s.metainfo.get('sampled_class', -1) for s in batch_data_samples
        ]
        if any(c < 0 for c in sampled_classes):
            raise ValueError(
                'SimCal training needs the class each image was drawn for: '
                "use sampler=dict(type='lt_mm.BiLevelSampler') with "
                "dataset=dict(type='lt_mm.SampledClassDataset', ...)")
        batch_gt_instances, batch_gt_instances_ignore, _ = \
            unpack_gt_instances(batch_data_samples)
        sampling_results = []
        for i, rpn_results in enumerate(rpn_results_list):
            rpn_results.priors = rpn_results.pop('bboxes')
            assign_result = self.bbox_assigner.assign(
                rpn_results, batch_gt_instances[i],
                batch_gt_instances_ignore[i])
            sampling_results.append(
                self.bbox_sampler.sample(
                    assign_result,
                    rpn_results,
                    batch_gt_instances[i],
                    feats=[lvl_feat[i][None] for lvl_feat in x]))
        pos_labels = [res.pos_gt_labels for res in sampling_results]
        num_negatives = [len(res.neg_inds) for res in sampling_results]
        num_pos = sum(
            len(keep)
            for keep in calibration_positives(pos_labels, sampled_classes))
        rank, counts, seed = self.gather_episode(num_pos, sum(num_negatives),
                                                 x[0].device)
        positives, negatives, first, divisor = episode_share(counts, rank)
        pos_keep, neg_keep = select_calibration_rois(
            pos_labels,
            sampled_classes,
            num_negatives,
            generator=torch.Generator().manual_seed(seed),
            episode_positives=positives,
            episode_negatives=negatives,
            first_negative=first)
        boxes, labels = [], []
        for res, pos, neg in zip(sampling_results, pos_keep, neg_keep):
            boxes.append(torch.cat([res.pos_priors[pos], res.neg_priors[neg]]))
            labels.append(
                torch.cat([
                    res.pos_gt_labels[pos],
                    res.pos_gt_labels.new_full((len(neg), ), self.num_classes)
                ]))
        labels = torch.cat(labels).long()
        rois = bbox2roi(boxes)
        bbox_feats = self.bbox_roi_extractor(
            x[:self.bbox_roi_extractor.num_inputs], rois)
        if self.with_shared_head:
            bbox_feats = self.shared_head(bbox_feats)
        cls_score, _ = self.calibration_head(bbox_feats)
        if len(labels) == 0:
            # no RoI of a drawn class: a zero loss that keeps DDP in step
            loss = cls_score.sum() * 0
            acc = cls_score.new_zeros(())
        else:
            # the episode's mean once DDP averages over the processes
            loss = self.calibration_head.loss_cls(
                cls_score, labels, avg_factor=divisor)
            acc = accuracy(cls_score, labels)
        return dict(
            loss_cls_calib=loss,
            acc_calib=acc,
            num_calib_pos=cls_score.new_tensor(
                float((labels < self.num_classes).sum())))

    @staticmethod
    def gather_episode(num_pos: int, num_neg: int,
                       device: torch.device) -> Tuple[int, Tensor, int]:
        """Share the episode's counts and a seed among its processes.

        Args:
            num_pos (int): This process's kept positives.
            num_neg (int): This process's negatives.
            device (torch.device): Where the process group's tensors live.

        Returns:
            tuple[int, Tensor, int]: This process's rank, the ``(W, 2)``
            positives and negatives of every process, and the seed of the
            background draw, rank 0's draw from the global torch generator
            (one process draws it the same way).
        """
        seed = int(torch.randint(0, 2**62, (1, )))
        local = torch.tensor([[num_pos, num_neg, seed]],
                             dtype=torch.long,
                             device=device)
        if dist.is_available() and dist.is_initialized() and \
                dist.get_world_size() > 1:
            table = [torch.empty_like(local)
                     for _ in range(dist.get_world_size())]
            dist.all_gather(table, local)
            local, rank = torch.cat(table), dist.get_rank()
        else:
            rank = 0
        local = local.cpu()
        return rank, local[:, :2], int(local[0, 2])

    def predict_bbox(self,
                     x: Tuple[Tensor],
                     batch_img_metas: List[dict],
                     rpn_results_list: InstanceList,
                     rcnn_test_cfg: Optional[ConfigDict],
                     rescale: bool = False) -> InstanceList:
        """Detections with the dual-head class scores.

        The box head decodes and rescales the boxes as usual; the merged
        probabilities then go through the same per-class NMS. The scores are
        not renormalised, as in the paper, which mmdet's box head (it applies
        softmax to what it is given) could not do.
        """
        proposals = [res.bboxes for res in rpn_results_list]
        if not self.calibrated:
            if not self._warned_uncalibrated:
                print_log(
                    'SimCalRoIHead: the calibration head was never trained; '
                    "predicting with the detector's head alone",
                    logger='current',
                    level=logging.WARNING)
                self._warned_uncalibrated = True
            return super().predict_bbox(x, batch_img_metas, rpn_results_list,
                                        rcnn_test_cfg, rescale)
        use_calibrated = self.calibrated_classes
        if sum(len(p) for p in proposals) == 0:
            return super().predict_bbox(x, batch_img_metas, rpn_results_list,
                                        rcnn_test_cfg, rescale)
        rois = bbox2roi(proposals)
        results = self._bbox_forward(x, rois)
        calibrated_score, _ = self.calibration_head(results['bbox_feats'])
        scores = merge_dual_head_scores(
            F.softmax(results['cls_score'], dim=-1),
            F.softmax(calibrated_score, dim=-1), use_calibrated)
        sizes = tuple(len(p) for p in proposals)
        bbox_preds = results['bbox_pred']
        bbox_preds = bbox_preds.split(sizes) if bbox_preds is not None \
            else (None, ) * len(sizes)
        # rcnn_test_cfg=None: decoded, rescaled boxes of every class, no NMS
        raw = self.bbox_head.predict_by_feat(
            rois=rois.split(sizes),
            cls_scores=results['cls_score'].split(sizes),
            bbox_preds=bbox_preds,
            batch_img_metas=batch_img_metas,
            rcnn_test_cfg=None,
            rescale=rescale)
        result_list = []
        for res, image_scores in zip(raw, scores.split(sizes)):
            if rcnn_test_cfg is None:  # test-time augmentation merges later
                res.scores = image_scores
            elif len(image_scores) == 0:
                res = InstanceData(
                    bboxes=res.bboxes.new_zeros((0, 4)),
                    scores=image_scores.new_zeros((0, )),
                    labels=image_scores.new_zeros((0, ), dtype=torch.long))
            else:
                det_bboxes, det_labels = multiclass_nms(
                    res.bboxes,
                    image_scores,
                    rcnn_test_cfg.score_thr,
                    rcnn_test_cfg.nms,
                    rcnn_test_cfg.max_per_img,
                    box_dim=4)
                res = InstanceData(
                    bboxes=det_bboxes[:, :-1],
                    scores=det_bboxes[:, -1],
                    labels=det_labels)
            result_list.append(res)
        return result_list
