"""LVIS box and mask AP and proposal recall for mmdet 3.x runners, exact and
fast."""
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.fileio import get_local_path
from mmengine.logging import MMLogger
from mmengine.utils import ProgressBar

from lt_mm.core import ClassStatistics, LabelIndex
from lt_mm.core.evaluation import (LVISDetections, LVISGroundTruth,
                                   default_iou_thrs, group_means,
                                   lvis_evaluate, per_class_table,
                                   proposal_recall, top_per_category,
                                   write_per_class_table)
from lt_mm.registry import METRICS

_AP_ITEMS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr', 'APc', 'APf')
_METRICS = ('bbox', 'segm', 'proposal', 'proposal_fast')


def _encode_masks(masks) -> List[dict]:
    """Compressed RLEs (counts as str) of an (N, H, W) mask tensor/array."""
    import pycocotools.mask as mask_utils
    masks = masks.detach().cpu().numpy() if hasattr(masks, 'detach') else \
        np.asarray(masks)
    rles = []
    for mask in masks:
        rle = mask_utils.encode(
            np.asfortranarray(mask[:, :, None], dtype=np.uint8))[0]
        rle['counts'] = rle['counts'].decode()
        rles.append(rle)
    return rles


def _to_numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


@METRICS.register_module()
class LVISMetric(BaseMetric):
    """LVIS v1 box / mask AP and proposal recall: a drop-in for mmdet's
    ``LVISMetric``.

    It evaluates the LVIS way (Gupta et al., CVPR 2019): per image only
    categories verified there count (annotated, or in ``neg_category_ids``),
    unmatched detections of ``not_exhaustive_category_ids`` are ignored, 300
    detections per image, areas small / medium / large, and reports AP,
    AP50, AP75, APs, APm, APl, APr, APc, APf and AR@300 (keys
    ``lvis/bbox_AP``, ``lvis/segm_APr``, ``lvis/bbox_AR@300``, ...), equal
    to lvis-api's figures (see :mod:`lt_mm.core.evaluation.lvis_eval`).

    The metrics, and their keys, are mmdet's:

    * 'bbox', 'segm': ``{iou_type}_{item}`` for each of ``metric_items``;
      with ``classwise``, also ``{name}_precision``, the AP (IoU 0.50:0.95,
      all areas) of each category, NaN for one without ground truth in the
      evaluated images (of the last of 'bbox' / 'segm' when both are asked,
      as in mmdet);
    * 'proposal': AR@300, ARs@300, ARm@300, ARl@300 (unprefixed keys) of the
      box evaluation, categories included. mmdet sets ``useCats = 0`` and
      ``maxDets`` on lvis-api's parameters, which lvis-api does not read (it
      reads ``use_cats`` and ``max_dets``), so its 'proposal' figures are
      those of the 'bbox' evaluation; these are the same;
    * 'proposal_fast': ``AR@{N}`` for N in ``proposal_nums``, class-agnostic
      recall of the N best-scored proposals against all ground-truth boxes
      of the image, averaged over ``iou_thrs`` (mmdet's ``eval_recalls``;
      see :mod:`lt_mm.core.evaluation.proposal_recall`); it needs no
      labels.

    Differences from mmdet's metric, on purpose:

    * only the images that were processed are evaluated (mmdet scores a
      dataloader subset against the whole annotation file, and its
      'proposal_fast' pairs the i-th result with the i-th image of the
      file), and an image or category unknown to the annotation file is an
      error that names it;
    * detections stay in memory: no JSON is written and read back unless
      ``outfile_prefix`` asks for the result files;
    * the figures are not rounded to 3 decimals, and 'bbox' / 'segm' also
      report AR@300;
    * ``iou_thrs`` apply to 'bbox' / 'segm' / 'proposal' too, as its
      description in mmdet says (mmdet passes them to 'proposal_fast'
      only);
    * 'proposal_fast' ranks each image's proposals by score first (stable,
      so the usual score-sorted output keeps its order; mmdet takes them in
      the given order);
    * no detections give AP 0 (mmdet returns no figures); ``format_only``
      without ``outfile_prefix`` is a ValueError (mmdet: an assert);
    * ``ann_file`` is required: LVIS evaluation needs each image's negative
      / not-exhaustive lists and each category's frequency.

    Args:
        ann_file (str): LVIS annotation file (e.g. lvis_v1_val.json).
        metric (str | list[str]): 'bbox', 'segm', 'proposal' or
            'proposal_fast', or several. Defaults to 'bbox'.
        classwise (bool): Report each category's AP
            (``{name}_precision``) and log a per-class table (AP, AP50,
            training images, frequency group). Defaults to False.
        proposal_nums (Sequence[int]): The N of the AR@N that
            'proposal_fast' reports. Defaults to (100, 300, 1000).
        iou_thrs (float | list[float], optional): IoU thresholds, in (0, 1];
            read back as given. Defaults to 0.50:0.05:0.95.
        metric_items (list[str], optional): Figures to report, from AP, AP50,
            AP75, APs, APm, APl, APr, APc, APf, AR@300, ARs@300, ARm@300,
            ARl@300 (``@300`` is ``@max_dets``). Defaults to the first ten
            for 'bbox' / 'segm' and the last four for 'proposal'.
        format_only (bool): Only write the result files (needs
            ``outfile_prefix``). Defaults to False.
        outfile_prefix (str, optional): Write ``{prefix}.bbox.json`` (for
            'bbox', 'proposal' and 'proposal_fast') / ``{prefix}.segm.json``
            in the LVIS result format.
        per_class_prefix (str, optional): Write the per-class table of each
            IoU type to ``{prefix}_{iou_type}.csv`` and ``.json`` (category,
            frequency group, training image and instance counts, AP, AP50);
            ``tools/analysis/plot_per_class_ap.py`` plots it.
        train_ann_file (str, optional): Count each category's training
            images and instances from this file instead of the
            ``image_count`` / ``instance_count`` that LVIS categories carry.
        max_dets (int): Detections per image. Defaults to 300 (LVIS).
        fixed_ap (bool): The Fixed AP protocol of Dave et al., "Evaluating
            Large-Vocabulary Object Detectors: The Devil is in the Details"
            (2021): no per-image cap, the ``fixed_ap_topk`` best detections
            of each category over the dataset. The default prefix becomes
            'lvis_fixed_ap'. The detector must output more than 300
            detections per image for it to matter. Defaults to False.
        fixed_ap_topk (int): Detections per category for Fixed AP.
            Defaults to 10000.
        progress (bool): Show a progress bar while evaluating (rank 0).
            Defaults to True.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Metric name prefix. Defaults to 'lvis'.
        backend_args (dict, optional): File backend for ``ann_file``.
    """

    default_prefix: Optional[str] = 'lvis'

    def __init__(self,
                 ann_file: Optional[str] = None,
                 metric: Union[str, List[str]] = 'bbox',
                 classwise: bool = False,
                 proposal_nums: Sequence[int] = (100, 300, 1000),
                 iou_thrs: Optional[Union[float, Sequence[float]]] = None,
                 metric_items: Optional[Sequence[str]] = None,
                 format_only: bool = False,
                 outfile_prefix: Optional[str] = None,
                 per_class_prefix: Optional[str] = None,
                 train_ann_file: Optional[str] = None,
                 max_dets: int = 300,
                 fixed_ap: bool = False,
                 fixed_ap_topk: int = 10000,
                 progress: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 backend_args: Optional[dict] = None) -> None:
        if prefix is None and fixed_ap:
            prefix = 'lvis_fixed_ap'
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.metrics = [metric] if isinstance(metric, str) else list(metric)
        for m in self.metrics:
            if m not in _METRICS:
                # mmdet's wording, which its tests match
                raise KeyError(
                    "metric should be one of 'bbox', 'segm', 'proposal', "
                    f"'proposal_fast', but got {m}.")
        if ann_file is None:
            raise ValueError(
                'LVISMetric needs ann_file: LVIS evaluation reads each '
                "image's neg_category_ids / not_exhaustive_category_ids and "
                "each category's frequency from the annotation file")
        if max_dets <= 0:
            raise ValueError(f'max_dets must be positive, got {max_dets}')
        if fixed_ap_topk <= 0:
            raise ValueError(
                f'fixed_ap_topk must be positive, got {fixed_ap_topk}')
        self.max_dets = max_dets
        self.fixed_ap = fixed_ap
        self.fixed_ap_topk = fixed_ap_topk
        cap = fixed_ap_topk if fixed_ap else max_dets
        ar_items = tuple(f'AR{a}@{cap}' for a in ('', 's', 'm', 'l'))
        self._summary_name = dict(
            zip(_AP_ITEMS + ar_items, _AP_ITEMS + ('AR', 'ARs', 'ARm', 'ARl')))
        for item in metric_items or ():
            if item not in self._summary_name:
                raise KeyError(f'metric item {item!r} is not one of '
                               f'{list(self._summary_name)}')
        self.metric_items = None if metric_items is None else list(
            metric_items)
        given = self.metric_items is not None
        self._box_items = self.metric_items if given else list(
            _AP_ITEMS + ar_items[:1])
        self._proposal_items = self.metric_items if given else list(ar_items)
        self.proposal_nums = list(proposal_nums)
        if not self.proposal_nums or not all(
                isinstance(n, (int, np.integer)) and n > 0
                for n in self.proposal_nums):
            raise ValueError('proposal_nums must be positive integers, got '
                             f'{proposal_nums!r}')
        # kept as given (mmdet's tests read it back); used as an array
        self.iou_thrs = default_iou_thrs() if iou_thrs is None else iou_thrs
        self._iou_thrs = np.atleast_1d(
            np.asarray(self.iou_thrs, dtype=np.float64))
        if self._iou_thrs.ndim != 1 or not len(self._iou_thrs) or (
                self._iou_thrs <= 0).any() or (self._iou_thrs > 1).any():
            raise ValueError(
                f'iou_thrs must be IoU thresholds in (0, 1], got {iou_thrs!r}')
        self.classwise = classwise
        self.format_only = format_only
        if format_only and outfile_prefix is None:
            raise ValueError('format_only needs outfile_prefix, where the '
                             'result files are written')
        self.outfile_prefix = outfile_prefix
        self.per_class_prefix = per_class_prefix
        self.progress = progress
        self.backend_args = backend_args
        with get_local_path(ann_file, backend_args=backend_args) as path:
            self.gt = LVISGroundTruth.from_file(path)
        if train_ann_file is not None:
            with get_local_path(
                    train_ann_file, backend_args=backend_args) as path:
                self._count_training_set(path)

    def _count_training_set(self, path: str) -> None:
        with open(path) as f:
            anns = json.load(f)['annotations']
        cats = np.array([a['category_id'] for a in anns], dtype=np.int64)
        imgs = np.array([a['image_id'] for a in anns], dtype=np.int64)
        known = np.isin(cats, self.gt.cat_ids)
        if not known.all():
            raise ValueError(
                f'{path}: category id {int(cats[~known][0])} is not in the '
                'evaluation annotation file')
        _, images = np.unique(imgs, return_inverse=True)
        stats = ClassStatistics.from_label_index(
            LabelIndex.from_pairs(images, self.gt.cat_index(cats)),
            num_classes=len(self.gt.cat_ids))
        self.gt.instance_counts = stats.instance_counts
        self.gt.image_counts = stats.image_counts

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep each image's predictions (masks as RLE) as numpy."""
        for sample in data_samples:
            pred = sample['pred_instances']
            result = dict(
                img_id=int(sample['img_id']),
                bboxes=_to_numpy(pred['bboxes']).reshape(-1, 4),
                scores=_to_numpy(pred['scores']).reshape(-1))
            # class-agnostic proposals ('proposal_fast') need no labels
            if 'labels' in pred:
                result['labels'] = _to_numpy(pred['labels']).reshape(-1)
            if 'masks' in pred:
                result['masks'] = _encode_masks(pred['masks'])
            # some detectors score masks apart from boxes
            if 'mask_scores' in pred:
                result['mask_scores'] = _to_numpy(
                    pred['mask_scores']).reshape(-1)
            self.results.append(result)

    def _detections(self, results: list, iou_type: str) -> LVISDetections:
        if any('labels' not in r for r in results):
            raise ValueError(
                f'{iou_type} results need predicted labels; the model\'s '
                "pred_instances have none (class-agnostic proposals: use "
                "metric='proposal_fast')")
        num_cats = len(self.gt.cat_ids)
        sizes = [len(r['labels']) for r in results]
        labels = np.concatenate([r['labels'] for r in results] +
                                [np.zeros(0, np.int64)]).astype(np.int64)
        bad = (labels < 0) | (labels >= num_cats)
        if bad.any():
            raise ValueError(
                f'predicted label {int(labels[bad][0])} is outside the '
                f'{num_cats} categories of the annotation file: the model '
                'and the annotation file disagree on the classes')
        boxes = np.concatenate([r['bboxes'] for r in results] +
                               [np.zeros((0, 4), np.float32)])
        # w, h in float64 from the boxes' values, as mmdet's result JSON
        # (and so lvis-api) has them
        boxes = boxes.astype(np.float64)
        boxes = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]],
                               axis=1)
        score_key = 'scores'
        segms = None
        if iou_type == 'segm':
            if any('masks' not in r for r in results):
                raise ValueError('segm evaluation needs predicted masks; the '
                                 "model's pred_instances have none")
            if all('mask_scores' in r for r in results):
                score_key = 'mask_scores'
            segms = [m for r in results for m in r['masks']]
        scores = np.concatenate([r[score_key] for r in results] +
                                [np.zeros(0, np.float32)])
        dets = LVISDetections(
            np.repeat([r['img_id'] for r in results], sizes),
            self.gt.cat_ids[labels], scores.astype(np.float64), boxes, segms)
        if self.fixed_ap:
            dets = dets.take(
                top_per_category(dets.category_ids, dets.scores,
                                 self.fixed_ap_topk))
        return dets

    def _write_results(self, dets: LVISDetections, iou_type: str) -> str:
        path = f'{self.outfile_prefix}.{iou_type}.json'
        rows = []
        for k in range(len(dets)):
            row = dict(
                image_id=int(dets.image_ids[k]),
                category_id=int(dets.category_ids[k]),
                bbox=[float(v) for v in dets.bboxes[k]],
                score=float(dets.scores[k]))
            if iou_type == 'segm':
                row['segmentation'] = dets.segmentations[k]
            rows.append(row)
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with open(path, 'w') as f:
            json.dump(rows, f)
        return path

    def _progress_callback(self, iou_type: str):
        if not self.progress:
            return None
        state = {}

        def on_progress(step, total):
            if total is not None:
                state.update(bar=ProgressBar(total) if total else None,
                             chunk=max(1, total // 100), pending=0, left=total)
                return
            if state.get('bar') is None:
                return
            state['pending'] += step
            state['left'] -= step
            if state['pending'] >= state['chunk'] or state['left'] <= 0:
                state['bar'].update(state['pending'])
                state['pending'] = 0
                if state['left'] <= 0:
                    state['bar'].file.write('\n')

        return on_progress

    def _gt_boxes(self, img_id: int) -> np.ndarray:
        """All ground-truth boxes of an image as x1, y1, x2, y2."""
        boxes = np.array([a['bbox'] for a in self.gt.anns_by_img.get(
            img_id, ())], dtype=np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        return boxes.astype(np.float32)

    def _fast_recall(self, results: list) -> np.ndarray:
        """AR@N of each of ``proposal_nums`` ('proposal_fast')."""
        recalls = proposal_recall(
            [self._gt_boxes(r['img_id']) for r in results],
            [r['bboxes'] for r in results], self.proposal_nums,
            self._iou_thrs, scores=[r['scores'] for r in results])
        return recalls.mean(axis=1)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        logger: MMLogger = MMLogger.get_current_instance()
        img_ids = sorted({r['img_id'] for r in results})
        self.gt.check_img_ids(img_ids)
        eval_results = OrderedDict()
        # 'proposal' is the box evaluation (see the class docstring): each
        # IoU type is converted, written and evaluated once
        iou_types = list(dict.fromkeys(
            'segm' if m == 'segm' else 'bbox' for m in self.metrics
            if m != 'proposal_fast'))
        if self.outfile_prefix is not None and 'bbox' not in iou_types and \
                all('labels' in r for r in results):
            iou_types.append('bbox')  # mmdet writes it for proposal_fast too
        dets = {t: self._detections(results, t) for t in iou_types}
        if self.outfile_prefix is not None:
            for iou_type, d in dets.items():
                path = self._write_results(d, iou_type)
                logger.info(f'{iou_type} results written to {path}')
        if self.format_only:
            return eval_results
        evaluated = {}
        for metric in self.metrics:
            if metric == 'proposal_fast':
                ar = self._fast_recall(results)
                for num, value in zip(self.proposal_nums, ar.tolist()):
                    eval_results[f'AR@{num}'] = value
                logger.info('proposal_fast: ' + ', '.join(
                    f'AR@{n}={v:.4f}' for n, v in zip(self.proposal_nums, ar)))
                continue
            iou_type = 'bbox' if metric == 'proposal' else metric
            if iou_type not in evaluated:
                evaluated[iou_type] = self._evaluate(
                    dets[iou_type], iou_type, img_ids, logger)
            result = evaluated[iou_type]
            if metric == 'proposal':
                for item in self._proposal_items:
                    eval_results[item] = float(
                        result.stats[self._summary_name[item]])
                continue
            for item in self._box_items:
                eval_results[f'{iou_type}_{item}'] = float(
                    result.stats[self._summary_name[item]])
            if self.classwise or self.per_class_prefix is not None:
                self._per_class(result, iou_type, eval_results, logger)
        return eval_results

    def _evaluate(self, dets: LVISDetections, iou_type: str,
                  img_ids: List[int], logger: MMLogger):
        logger.info(f'Evaluating {iou_type} on {len(img_ids)} images, '
                    f'{len(dets)} detections...')
        result = lvis_evaluate(
            self.gt, dets, iou_type, img_ids=img_ids,
            max_dets=-1 if self.fixed_ap else self.max_dets,
            iou_thrs=self._iou_thrs,
            on_progress=self._progress_callback(iou_type))
        logger.info(f'{iou_type}: ' + ', '.join(
            f'{k}={v:.4f}' for k, v in result.stats.items()))
        return result

    def _per_class(self, result, iou_type: str, eval_results: dict,
                   logger: MMLogger) -> None:
        rows = per_class_table(
            self.gt.cat_ids, self.gt.cat_names, self.gt.frequency,
            self.gt.image_counts, self.gt.instance_counts,
            result.per_class_ap(), result.per_class_ap(iou=0.5))
        if self.classwise:
            # mmdet's keys: no IoU type, so with both 'segm' comes last
            for row in rows:
                eval_results[f'{row["name"]}_precision'] = float(row['AP'])
            logger.info(f'\n{iou_type} per-class AP:\n' + _format_table(rows))
        if self.per_class_prefix is not None:
            paths = write_per_class_table(
                rows, f'{self.per_class_prefix}_{iou_type}')
            logger.info(f'{iou_type} per-class AP written to '
                        f'{paths["csv"]} and {paths["json"]}')


def _format_table(rows: Sequence[dict]) -> str:
    lines = [f'{"category":<32} {"group":>5} {"train imgs":>10} '
             f'{"AP":>7} {"AP50":>7}']
    for r in rows:
        lines.append(f'{r["name"][:32]:<32} {r["frequency"]:>5} '
                     f'{r["image_count"]:>10} {r["AP"]:>7.4f} '
                     f'{r["AP50"]:>7.4f}')
    means = group_means(rows)
    lines.append('group means: ' + ', '.join(
        f'AP{g}={v:.4f}' for g, v in means.items()))
    return '\n'.join(lines)
