"""LVIS box and mask AP for mmdet 3.x runners, exact and fast."""
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

from lt_mm.core.evaluation import (LVISDetections, LVISGroundTruth,
                                   group_means, lvis_evaluate,
                                   per_class_table, top_per_category,
                                   write_per_class_table)
from lt_mm.registry import METRICS

_AP_ITEMS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr', 'APc', 'APf')


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
    """LVIS v1 box / mask AP: a drop-in for mmdet's ``LVISMetric``.

    It evaluates the LVIS way (Gupta et al., CVPR 2019): per image only
    categories verified there count (annotated, or in ``neg_category_ids``),
    unmatched detections of ``not_exhaustive_category_ids`` are ignored, 300
    detections per image, areas small / medium / large, and reports AP,
    AP50, AP75, APs, APm, APl, APr, APc, APf and AR@300 (keys
    ``lvis/bbox_AP``, ``lvis/segm_APr``, ``lvis/bbox_AR@300``, ...), equal
    to lvis-api's figures (see :mod:`lt_mm.core.evaluation.lvis_eval`).

    Differences from mmdet's metric, on purpose:

    * only the images that were processed are evaluated (mmdet scores a
      dataloader subset against the whole annotation file), and an image or
      category unknown to the annotation file is an error that names it;
    * detections stay in memory: no JSON is written and read back unless
      ``outfile_prefix`` asks for the result files;
    * the figures are not rounded to 3 decimals;
    * ``metric`` is 'bbox' and/or 'segm' (proposal recall stays with mmdet's
      metric), and ``ann_file`` is required: LVIS evaluation needs each
      image's negative / not-exhaustive lists and each category's frequency.

    Args:
        ann_file (str): LVIS annotation file (e.g. lvis_v1_val.json).
        metric (str | list[str]): 'bbox', 'segm' or both. Defaults to 'bbox'.
        classwise (bool): Log a per-class table (AP, AP50, training images,
            frequency group). Defaults to False.
        iou_thrs (float | list[float], optional): IoU thresholds; defaults
            to 0.50:0.05:0.95.
        metric_items (list[str], optional): Figures to report, from AP, AP50,
            AP75, APs, APm, APl, APr, APc, APf, AR@300, ARs@300, ARm@300,
            ARl@300 (``@300`` is ``@max_dets``). Defaults to the first ten.
        format_only (bool): Only write the result files (needs
            ``outfile_prefix``). Defaults to False.
        outfile_prefix (str, optional): Write ``{prefix}.bbox.json`` /
            ``{prefix}.segm.json`` in the LVIS result format.
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
            if m not in ('bbox', 'segm'):
                raise KeyError(f"metric must be 'bbox' or 'segm', got {m!r} "
                               "(proposal recall: use mmdet's LVISMetric)")
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
        if metric_items is None:
            metric_items = _AP_ITEMS + ar_items[:1]
        for item in metric_items:
            if item not in self._summary_name:
                raise KeyError(f'metric item {item!r} is not one of '
                               f'{list(self._summary_name)}')
        self.metric_items = list(metric_items)
        self.iou_thrs = None if iou_thrs is None else np.atleast_1d(
            np.asarray(iou_thrs, dtype=np.float64))
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
        col = self.gt.cat_index(cats)
        num = len(self.gt.cat_ids)
        self.gt.instance_counts = np.bincount(col, minlength=num)
        pairs = np.unique(imgs * num + col)
        self.gt.image_counts = np.bincount(pairs % num, minlength=num)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep each image's predictions (masks as RLE) as numpy."""
        for sample in data_samples:
            pred = sample['pred_instances']
            result = dict(
                img_id=int(sample['img_id']),
                bboxes=_to_numpy(pred['bboxes']).reshape(-1, 4),
                scores=_to_numpy(pred['scores']).reshape(-1),
                labels=_to_numpy(pred['labels']).reshape(-1))
            if 'masks' in pred:
                result['masks'] = _encode_masks(pred['masks'])
            # some detectors score masks apart from boxes
            if 'mask_scores' in pred:
                result['mask_scores'] = _to_numpy(
                    pred['mask_scores']).reshape(-1)
            self.results.append(result)

    def _detections(self, results: list, iou_type: str) -> LVISDetections:
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
        # x, y, w, h computed in the boxes' own dtype, as mmdet's result
        # JSON (and so lvis-api) has them
        boxes = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]],
                               axis=1).astype(np.float64)
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

    def compute_metrics(self, results: list) -> Dict[str, float]:
        logger: MMLogger = MMLogger.get_current_instance()
        img_ids = sorted({r['img_id'] for r in results})
        self.gt.check_img_ids(img_ids)
        eval_results = OrderedDict()
        for iou_type in self.metrics:
            dets = self._detections(results, iou_type)
            if self.outfile_prefix is not None:
                path = self._write_results(dets, iou_type)
                logger.info(f'{iou_type} results written to {path}')
            if self.format_only:
                continue
            logger.info(f'Evaluating {iou_type} on {len(img_ids)} images, '
                        f'{len(dets)} detections...')
            result = lvis_evaluate(
                self.gt, dets, iou_type, img_ids=img_ids,
                max_dets=-1 if self.fixed_ap else self.max_dets,
                iou_thrs=self.iou_thrs,
                on_progress=self._progress_callback(iou_type))
            for item in self.metric_items:
                eval_results[f'{iou_type}_{item}'] = float(
                    result.stats[self._summary_name[item]])
            logger.info(f'{iou_type}: ' + ', '.join(
                f'{k}={v:.4f}' for k, v in result.stats.items()))
            if self.classwise or self.per_class_prefix is not None:
                rows = per_class_table(
                    self.gt.cat_ids, self.gt.cat_names, self.gt.frequency,
                    self.gt.image_counts, self.gt.instance_counts,
                    result.per_class_ap(), result.per_class_ap(iou=0.5))
                if self.classwise:
                    logger.info(f'\n{iou_type} per-class AP:\n' +
                                _format_table(rows))
                if self.per_class_prefix is not None:
                    paths = write_per_class_table(
                        rows, f'{self.per_class_prefix}_{iou_type}')
                    logger.info(f'{iou_type} per-class AP written to '
                                f'{paths["csv"]} and {paths["json"]}')
        return eval_results


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
