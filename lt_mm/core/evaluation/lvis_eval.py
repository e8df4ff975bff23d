"""LVIS box / mask AP, exactly as lvis-api computes it, on a C++ engine.

LVIS (Gupta et al., "LVIS: A Dataset for Large Vocabulary Instance
Segmentation", CVPR 2019) evaluates a *federated* dataset. For an image `i`
and a category `c` detections are scored only when `c` is verified there:
annotated in `i` (positive) or listed in its ``neg_category_ids``; other
detections are dropped. Unmatched detections of a category listed in the
image's ``not_exhaustive_category_ids`` are ignored instead of counted as
false positives. At most ``max_dets`` (300) detections per image, the
highest scoring, are kept *before* that filtering. Then, per category `k`,
IoU threshold `t` in {0.50, 0.55, ..., 0.95} and area range `a`, detections
of all images are ranked by score and

    P_k,t,a(r) = max_{r' >= r} precision(r'),  r in {0, 0.01, ..., 1},

    AP = mean over (t, r, k) of P_k,t,a=all(r), for the k with ground truth;

AP50 / AP75 fix `t`, APs / APm / APl fix `a` (areas below 32^2, 32^2 to
96^2, above 96^2), APr / APc / APf average the categories of one frequency
group ('r', 'c', 'f' in the annotation file), and AR@300 is the mean over
(t, k) of the final recall.

The matching and accumulation run in faster-coco-eval's C++ engine
(``COCOeval_faster`` with ``lvis_style=True``). What lvis-api does
differently from a COCO evaluation is reproduced before the data reach it:

* the 300-per-image cap (stable, by score) and the federated filter;
* a detection's area is its *box* area ``w * h``, for masks too (lvis-api's
  ``LVISResults`` sets ``area`` from the box whenever a result has one, and
  mmdet's results always do); it decides the area range of unmatched
  detections;
* annotations and detections with area 0 are dropped (lvis-api's
  ``get_ann_ids`` keeps ``0 < area < inf``);
* the summary means (``-1`` marks a category without ground truth) and the
  frequency groups follow ``LVISEval._summarize``.

Speed comes from skipping what is empty: lvis-api (and the engine, given the
whole dataset) visit every (image, category) pair, 24 million for LVIS v1
val, of which about a hundred thousand hold a verified detection or an
annotation. Here the engine sees only those, per group of categories.

Equality with lvis-api 0.5.3 is tested to 1e-4 on every reported figure.
"""
import threading
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from ..category_order import categories_by_id
from ..class_statistics import FREQUENCY_GROUPS

#: lvis-api's area ranges (``Params.area_rng``), in pixels^2.
AREA_RANGES = {
    'all': (0 ** 2, 1e5 ** 2),
    'small': (0 ** 2, 32 ** 2),
    'medium': (32 ** 2, 96 ** 2),
    'large': (96 ** 2, 1e5 ** 2),
}

#: Figures of :func:`lvis_evaluate`'s summary, in lvis-api's order.
SUMMARY_KEYS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr', 'APc',
                'APf', 'AR', 'ARs', 'ARm', 'ARl')


def default_iou_thrs() -> np.ndarray:
    # linspace, not arange: arange's 0.75 is slightly above 0.75, and the
    # AP75 lookup compares for equality (as lvis-api does).
    return np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1,
                       endpoint=True)


class LVISGroundTruth:
    """Index of an LVIS annotation file (the loaded JSON dict).

    Args:
        dataset (dict): With ``images`` (each with ``neg_category_ids`` and
            ``not_exhaustive_category_ids``), ``annotations`` and
            ``categories`` (each with ``frequency``; ``image_count`` and
            ``instance_count`` of the training set when present).
    """

    def __init__(self, dataset: dict) -> None:
        for key in ('images', 'annotations', 'categories'):
            if key not in dataset:
                raise ValueError(f'the LVIS annotation file has no "{key}"')
        self.dataset = dataset
        self.imgs = {img['id']: img for img in dataset['images']}
        # Column k of every per-category array is label k of the model: the
        # order lt_mm.LVISDataset labels its instances in.
        categories = categories_by_id(dataset['categories'])
        self.cats = {cat['id']: cat for cat in categories}
        self.cat_ids = np.array(list(self.cats), dtype=np.int64)
        self._cat_col = {c: k for k, c in enumerate(self.cat_ids.tolist())}
        if not len(self.cat_ids):
            raise ValueError('the LVIS annotation file has no categories')
        self.cat_names = [
            self.cats[c].get('name', str(c)) for c in self.cat_ids.tolist()
        ]
        freq = [self.cats[c].get('frequency') for c in self.cat_ids]
        if not set(freq) <= set(FREQUENCY_GROUPS):
            bad = next(c for c, f in zip(self.cat_ids, freq)
                       if f not in FREQUENCY_GROUPS)
            raise ValueError(
                f'category {bad} has frequency '
                f'{self.cats[bad].get("frequency")!r}; LVIS evaluation needs '
                f'one of {FREQUENCY_GROUPS} for every category')
        self.frequency = np.array(freq)
        self.image_counts = np.array(
            [self.cats[c].get('image_count', -1) for c in self.cat_ids],
            dtype=np.int64)
        self.instance_counts = np.array(
            [self.cats[c].get('instance_count', -1) for c in self.cat_ids],
            dtype=np.int64)
        self.anns_by_img: Dict[int, List[dict]] = {}
        for ann in dataset['annotations']:
            if ann.get('ignore', 0) or ann.get('iscrowd', 0):
                raise ValueError(
                    f'annotation {ann.get("id")} is marked ignore/iscrowd; '
                    'LVIS has no such annotations and they are not supported')
            self.anns_by_img.setdefault(ann['image_id'], []).append(ann)

    @classmethod
    def from_file(cls, path: str) -> 'LVISGroundTruth':
        import json
        with open(path) as f:
            return cls(json.load(f))

    def cat_index(self, cat_ids: np.ndarray) -> np.ndarray:
        """Column of each category id in :attr:`cat_ids`; error if unknown."""
        cat_ids = np.asarray(cat_ids, dtype=np.int64)
        idx = np.searchsorted(self.cat_ids, cat_ids)
        idx = np.minimum(idx, len(self.cat_ids) - 1)
        unknown = self.cat_ids[idx] != cat_ids
        if unknown.any():
            raise ValueError(
                f'detection of category id {int(cat_ids[unknown][0])}, which '
                'the annotation file does not have (it has '
                f'{len(self.cat_ids)} categories, ids {self.cat_ids[0]}..'
                f'{self.cat_ids[-1]})')
        return idx

    def check_img_ids(self, img_ids) -> None:
        for img_id in img_ids:
            if img_id not in self.imgs:
                raise ValueError(
                    f'image id {img_id} is not in the annotation file: the '
                    'predictions and the annotations come from different '
                    'datasets')


@dataclass
class LVISDetections:
    """Detections of a set of images, one row each.

    Attributes:
        image_ids (np.ndarray): (N,) image id of each detection.
        category_ids (np.ndarray): (N,) category id (not label index).
        scores (np.ndarray): (N,) confidence.
        bboxes (np.ndarray): (N, 4) boxes as ``x, y, w, h`` (COCO format).
        segmentations (list, optional): N compressed RLEs, for ``segm``.
    """
    image_ids: np.ndarray
    category_ids: np.ndarray
    scores: np.ndarray
    bboxes: np.ndarray
    segmentations: Optional[list] = None

    def __post_init__(self):
        self.image_ids = np.asarray(self.image_ids, dtype=np.int64).ravel()
        self.category_ids = np.asarray(
            self.category_ids, dtype=np.int64).ravel()
        self.scores = np.asarray(self.scores, dtype=np.float64).ravel()
        self.bboxes = np.asarray(self.bboxes, dtype=np.float64).reshape(-1, 4)
        n = len(self.image_ids)
        sizes = [len(self.category_ids), len(self.scores), len(self.bboxes)]
        if self.segmentations is not None:
            sizes.append(len(self.segmentations))
        if any(s != n for s in sizes):
            raise ValueError('detections: image_ids, category_ids, scores, '
                             f'bboxes (and segmentations) differ in length: '
                             f'{[n] + sizes}')

    def __len__(self) -> int:
        return len(self.image_ids)

    def take(self, idx: np.ndarray) -> 'LVISDetections':
        segm = None
        if self.segmentations is not None:
            segm = [self.segmentations[i] for i in idx]
        return LVISDetections(self.image_ids[idx], self.category_ids[idx],
                              self.scores[idx], self.bboxes[idx], segm)


def top_per_image(image_ids: np.ndarray, scores: np.ndarray,
                  max_dets: int) -> np.ndarray:
    """Indices of the ``max_dets`` best scores of each image, in input order.

    Ties keep input order, as lvis-api's stable ``sorted(reverse=True)``.
    """
    if max_dets < 0 or not len(image_ids):
        return np.arange(len(image_ids))
    order = np.lexsort((np.arange(len(scores)), -scores, image_ids))
    sorted_imgs = image_ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_imgs[1:] != sorted_imgs[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    return np.sort(order[rank < max_dets])


def top_per_category(category_ids: np.ndarray, scores: np.ndarray,
                     topk: int) -> np.ndarray:
    """Indices of the ``topk`` best scores of each category over the dataset
    (the Fixed AP protocol of Dave et al., 2021), in input order."""
    return top_per_image(category_ids, scores, topk)


@dataclass
class LVISEvalResult:
    """Accumulated evaluation of one IoU type.

    Attributes:
        precision (np.ndarray): (T, R, K, A) interpolated precision, -1 where
            category k has no ground truth in area range a.
        recall (np.ndarray): (T, K, A) final recall, -1 likewise.
        cat_ids (np.ndarray): (K,) category ids of the columns.
        frequency (np.ndarray): (K,) 'r' / 'c' / 'f'.
        iou_thrs (np.ndarray): (T,) IoU thresholds.
        stats (dict): The summary figures (:data:`SUMMARY_KEYS`).
    """
    precision: np.ndarray
    recall: np.ndarray
    cat_ids: np.ndarray
    frequency: np.ndarray
    iou_thrs: np.ndarray
    stats: Dict[str, float] = field(default_factory=dict)

    def per_class_ap(self, iou: Optional[float] = None,
                     area: str = 'all') -> np.ndarray:
        """AP of each category (at one IoU threshold if ``iou`` is given),
        NaN for a category without ground truth."""
        p = self.precision[..., list(AREA_RANGES).index(area)]
        if iou is not None:
            p = p[np.where(iou == self.iou_thrs)[0]]
        valid = p > -1
        count = valid.sum(axis=(0, 1))
        total = np.where(valid, p, 0).sum(axis=(0, 1))
        with np.errstate(invalid='ignore', divide='ignore'):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _mean_valid(values: np.ndarray) -> float:
    # lvis-api: mean of the entries > -1, and -1 when there is none.
    values = values[values > -1]
    return float(np.mean(values)) if values.size else -1.0


def summarize(precision: np.ndarray, recall: np.ndarray,
              frequency: np.ndarray, iou_thrs: np.ndarray) -> Dict[str, float]:
    """The figures of ``LVISEval.summarize`` from accumulated arrays."""
    areas = list(AREA_RANGES)

    def ap(iou=None, area='all', group=None):
        s = precision
        if iou is not None:
            s = s[np.where(iou == iou_thrs)[0]]
        s = s[..., areas.index(area)]
        if group is not None:
            s = s[:, :, frequency == group]
        return _mean_valid(s)

    def ar(area='all'):
        return _mean_valid(recall[:, :, areas.index(area)])

    return dict(
        AP=ap(), AP50=ap(iou=0.5), AP75=ap(iou=0.75), APs=ap(area='small'),
        APm=ap(area='medium'), APl=ap(area='large'), APr=ap(group='r'),
        APc=ap(group='c'), APf=ap(group='f'), AR=ar(), ARs=ar('small'),
        ARm=ar('medium'), ARl=ar('large'))


def _coco_eval_class():
    try:
        from faster_coco_eval import COCOeval_faster
    except ImportError as e:  # pragma: no cover - a requirement
        raise ImportError(
            'LVIS evaluation needs faster-coco-eval: pip install '
            'faster-coco-eval') from e

    class _ProgressCOCOeval(COCOeval_faster):
        """Reports each IoU matrix (the long stage) to a callback."""

        def computeIoU(self, img_id, cat_id):
            ious = super().computeIoU(img_id, cat_id)
            if self._on_progress is not None:
                with self._lock:
                    self._on_progress(1, None)
            return ious

    return _ProgressCOCOeval


def _chunks(pairs_per_cat: np.ndarray, slack: int = 20_000,
            budget: int = 2_000_000) -> List[np.ndarray]:
    """Categories in groups for one engine call each.

    A call visits (categories x largest pair count) slots, so a group takes
    categories of similar counts (in decreasing order) while the slots stay
    within twice its pairs plus ``slack`` (fewer, larger calls) and within
    ``budget`` (memory)."""
    order = np.argsort(-pairs_per_cat, kind='stable')
    order = order[pairs_per_cat[order] > 0]
    counts = pairs_per_cat[order].astype(np.int64)
    chunks, start = [], 0
    while start < len(order):
        width = np.arange(1, len(order) - start + 1)
        slots = width * counts[start]
        fits = (slots <= 2 * np.cumsum(counts[start:]) + slack) & (
            slots <= budget)
        end = start + max(1, int(np.flatnonzero(fits)[-1]) + 1 if fits.any()
                          else 1)
        chunks.append(np.sort(order[start:end]))
        start = end
    return chunks


def _gt_rle(ann: dict, img: dict) -> dict:
    import pycocotools.mask as mask_utils
    segm = ann['segmentation']
    h, w = img['height'], img['width']
    if isinstance(segm, list):  # polygons
        return mask_utils.merge(mask_utils.frPyObjects(segm, h, w))
    if isinstance(segm['counts'], list):  # uncompressed RLE
        return mask_utils.frPyObjects(segm, h, w)
    return segm


def lvis_evaluate(gt: LVISGroundTruth,
                  dets: LVISDetections,
                  iou_type: str = 'bbox',
                  img_ids: Optional[Sequence[int]] = None,
                  max_dets: int = 300,
                  iou_thrs: Optional[Sequence[float]] = None,
                  on_progress: Optional[Callable] = None) -> LVISEvalResult:
    """Evaluate detections the LVIS way (see the module docstring).

    Args:
        gt (LVISGroundTruth): The annotation file.
        dets (LVISDetections): Detections; ``segmentations`` for ``segm``.
        iou_type (str): 'bbox' or 'segm'.
        img_ids (Sequence[int], optional): Images to evaluate; all images of
            the annotation file by default (as lvis-api). Detections on other
            images are not counted.
        max_dets (int): Detections kept per image; -1 keeps all (Fixed AP).
        iou_thrs (Sequence[float], optional): Defaults to 0.50:0.05:0.95.
        on_progress (callable, optional): ``on_progress(0, total)`` is
            called once with the number of IoU matrices to compute, then
            ``on_progress(1, None)`` after each.
    """
    if iou_type not in ('bbox', 'segm'):
        raise ValueError(
            f"iou_type must be 'bbox' or 'segm', got {iou_type!r}")
    if iou_type == 'segm' and dets.segmentations is None:
        raise ValueError('segm evaluation needs detections with masks '
                         '(segmentations)')
    iou_thrs = default_iou_thrs() if iou_thrs is None else np.atleast_1d(
        np.asarray(iou_thrs, dtype=np.float64))
    gt.check_img_ids(np.unique(dets.image_ids).tolist())
    cat_col = gt.cat_index(dets.category_ids)
    img_ids = (sorted(gt.imgs) if img_ids is None else
               sorted({int(i) for i in img_ids}))
    gt.check_img_ids(img_ids)
    num_cats = len(gt.cat_ids)

    # lvis-api: cap per image first (LVISResults), then drop detections on
    # unverified categories, on other images and with zero area (_prepare).
    keep = top_per_image(dets.image_ids, dets.scores, max_dets)
    img_row = {img_id: i for i, img_id in enumerate(img_ids)}
    gt_anns, gt_keys, verified = [], [], []
    for img_id in img_ids:
        img = gt.imgs[img_id]
        row = img_row[img_id] * num_cats
        anns = [a for a in gt.anns_by_img.get(img_id, ())
                if 0 < a['area'] < float('inf')]
        gt_anns.extend(anns)
        gt_keys.extend(row + gt._cat_col[a['category_id']] for a in anns)
        cats = {a['category_id'] for a in anns}
        cats.update(img.get('neg_category_ids', ()))
        verified.extend(row + gt._cat_col[c] for c in cats
                        if c in gt._cat_col)
    gt_keys = np.asarray(gt_keys, dtype=np.int64)
    det_rows = np.array(
        [img_row.get(i, -1) for i in dets.image_ids[keep].tolist()],
        dtype=np.int64)
    area = dets.bboxes[keep, 2] * dets.bboxes[keep, 3]
    det_keys = det_rows * num_cats + cat_col[keep]
    ok = (det_rows >= 0) & (area > 0) & (area < np.inf)
    ok &= np.isin(det_keys, np.asarray(verified, dtype=np.int64))
    keep, area, det_keys = keep[ok], area[ok], det_keys[ok]

    # The engine visits every (image, category) of its image and category
    # lists: 24 million for LVIS v1 val, where about a hundred thousand hold
    # anything. So each category's non-empty images are renumbered 1, 2, ...
    # (in image id order, which keeps lvis-api's order of equal scores) and
    # categories of similar counts share those "virtual" images, a group per
    # call. A category's precision and recall depend only on its own pairs.
    pair_keys = np.union1d(gt_keys, det_keys)
    pair_cat = pair_keys % num_cats
    pairs_per_cat = np.bincount(pair_cat, minlength=num_cats)
    first = np.r_[0, np.cumsum(pairs_per_cat)[:-1]]
    # pair_keys is sorted by (row, cat); rank within its category by row
    by_cat = np.lexsort((pair_keys // num_cats, pair_cat))
    virtual = np.empty(len(pair_keys), dtype=np.int64)
    virtual[by_cat] = np.arange(len(pair_keys)) - first[pair_cat[by_cat]] + 1
    gt_virtual = virtual[np.searchsorted(pair_keys, gt_keys)]
    det_virtual = virtual[np.searchsorted(pair_keys, det_keys)]
    if on_progress is not None:
        on_progress(0, len(np.intersect1d(gt_keys, det_keys)))

    num_t, num_r, num_a = len(iou_thrs), 101, len(AREA_RANGES)
    precision = -np.ones((num_t, num_r, num_cats, num_a))
    recall = -np.ones((num_t, num_cats, num_a))
    images = [gt.imgs[i] for i in img_ids]
    not_exhaustive = np.array(
        [r * num_cats + gt._cat_col[c] for r, img in enumerate(images)
         for c in img.get('not_exhaustive_category_ids', ())
         if c in gt._cat_col], dtype=np.int64)
    ne_keys = np.intersect1d(not_exhaustive, pair_keys)
    ne_virtual = virtual[np.searchsorted(pair_keys, ne_keys)]
    gt_cols = gt_keys % num_cats
    det_cols = det_keys % num_cats
    det_rank = np.argsort(det_cols, kind='stable')
    gt_rank = np.argsort(gt_cols, kind='stable')
    det_bounds = np.searchsorted(det_cols[det_rank], np.arange(num_cats + 1))
    gt_bounds = np.searchsorted(gt_cols[gt_rank], np.arange(num_cats + 1))
    boxes = dets.bboxes[keep].tolist()
    scores = dets.scores[keep].tolist()
    areas = area.tolist()
    keep_list = keep.tolist()
    lock = threading.Lock()
    for chunk in _chunks(pairs_per_cat):
        num_virtual = int(pairs_per_cat[chunk].max())
        chunk_ids = gt.cat_ids[chunk].tolist()
        chunk_set = set(chunk.tolist())
        ne = {}
        for key, v in zip(ne_keys.tolist(), ne_virtual.tolist()):
            if key % num_cats in chunk_set:
                ne.setdefault(v, []).append(int(gt.cat_ids[key % num_cats]))
        # a set: the engine tests membership once per detection
        verified_here = frozenset(chunk_ids)
        v_images = [
            dict(id=v, height=1, width=1, neg_category_ids=verified_here,
                 not_exhaustive_category_ids=ne.get(v, []))
            for v in range(1, num_virtual + 1)
        ]
        v_gts, v_dts = [], []
        for k in chunk.tolist():
            for j in gt_rank[gt_bounds[k]:gt_bounds[k + 1]].tolist():
                ann = gt_anns[j]
                v_ann = dict(id=ann['id'], image_id=int(gt_virtual[j]),
                             category_id=ann['category_id'],
                             bbox=ann['bbox'], area=ann['area'], iscrowd=0)
                if iou_type == 'segm':
                    v_ann['segmentation'] = _gt_rle(
                        ann, gt.imgs[img_ids[gt_keys[j] // num_cats]])
                v_gts.append(v_ann)
            for j in det_rank[det_bounds[k]:det_bounds[k + 1]].tolist():
                # ids from 1: 0 would read as 'unmatched' in the engine
                v_det = dict(id=len(v_dts) + 1,
                             image_id=int(det_virtual[j]),
                             category_id=int(gt.cat_ids[k]), score=scores[j],
                             bbox=boxes[j], area=areas[j])
                if iou_type == 'segm':
                    v_det['segmentation'] = dets.segmentations[keep_list[j]]
                v_dts.append(v_det)
        p_chunk, r_chunk = _run_engine(v_images, v_gts, v_dts, chunk_ids,
                                       [gt.cats[c] for c in chunk_ids],
                                       iou_type, iou_thrs, max_dets,
                                       on_progress, lock)
        precision[:, :, chunk] = p_chunk
        recall[:, chunk] = r_chunk
    result = LVISEvalResult(precision, recall, gt.cat_ids, gt.frequency,
                            iou_thrs)
    result.stats = summarize(precision, recall, gt.frequency, iou_thrs)
    return result


def _run_engine(images, gt_anns, dt_anns, cat_ids, categories, iou_type,
                iou_thrs, max_dets, on_progress, lock):
    """faster-coco-eval's matching and accumulation for one group."""
    from faster_coco_eval import COCO
    quiet = lambda *args, **kwargs: None  # noqa: E731
    coco_gt = COCO(dict(images=images, annotations=gt_anns,
                        categories=categories), print_function=quiet)
    coco_dt = COCO(dict(images=images, annotations=dt_anns,
                        categories=categories), print_function=quiet)
    evaluator = _coco_eval_class()(
        coco_gt, coco_dt, iouType=iou_type, lvis_style=True,
        print_function=quiet)
    evaluator._on_progress = on_progress
    evaluator._lock = lock
    p = evaluator.params
    p.imgIds = [img['id'] for img in images]
    p.catIds = list(cat_ids)
    p.iouThrs = iou_thrs
    p.areaRng = [list(r) for r in AREA_RANGES.values()]
    p.areaRngLbl = list(AREA_RANGES)
    # The cap is applied before; per (image, category) nothing more is cut.
    p.maxDets = [max(len(dt_anns), 1) if max_dets < 0 else max_dets]
    evaluator.evaluate()
    evaluator.accumulate()
    return (np.asarray(evaluator.eval['precision'])[..., -1],
            np.asarray(evaluator.eval['recall'])[..., -1])
