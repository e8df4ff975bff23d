"""Synthetic detections on an LVIS-format annotation file, and lvis-api's
figures for them (the reference every test compares with)."""
import copy

import numpy as np
import pycocotools.mask as mask_utils
import torch

import lt_mm  # noqa: F401  (lvis-api needs the numpy alias patch)
from lt_mm.core.evaluation import LVISDetections


def _box_polygon(box, rng):
    """A convex octagon inside the box, so masks differ from boxes."""
    x, y, w, h = box
    cut = rng.uniform(0.05, 0.3)
    return [x + cut * w, y, x + (1 - cut) * w, y, x + w, y + cut * h,
            x + w, y + (1 - cut) * h, x + (1 - cut) * w, y + h, x + cut * w,
            y + h, x, y + (1 - cut) * h, x, y + cut * h]


def synthetic_detections(dataset, seed=0, dets_per_image=(0, 60),
                         crowded_images=3, crowd_size=340, score_levels=50):
    """Detections covering what LVIS evaluation treats specially.

    Per image: jittered copies of its annotations (right and wrong class),
    detections of negative, not-exhaustive and unverified categories, random
    boxes; scores quantised to ``score_levels`` values so ties occur; a few
    images get ``crowd_size`` (> 300) detections, the first image none.
    """
    rng = np.random.default_rng(seed)
    cat_ids = sorted(c['id'] for c in dataset['categories'])
    anns_by_img = {}
    for ann in dataset['annotations']:
        anns_by_img.setdefault(ann['image_id'], []).append(ann)
    rows = []
    images = dataset['images']
    crowded = {img['id'] for img in images[1:1 + crowded_images]}
    for n_img, img in enumerate(images):
        if n_img == 0:
            continue  # an image without detections
        H, W = img['height'], img['width']
        anns = anns_by_img.get(img['id'], [])
        n = (crowd_size if img['id'] in crowded else
             int(rng.integers(*dets_per_image)))
        pools = [a['category_id'] for a in anns] + img['neg_category_ids'] + \
            img['not_exhaustive_category_ids']
        for _ in range(n):
            kind = rng.random()
            if anns and kind < 0.5:
                ann = anns[rng.integers(len(anns))]
                x, y, w, h = ann['bbox']
                s = rng.uniform(0.0, 0.35)
                box = [x + rng.normal(0, s * w), y + rng.normal(0, s * h),
                       w * np.exp(rng.normal(0, s)),
                       h * np.exp(rng.normal(0, s))]
                cat = ann['category_id'] if rng.random() < 0.8 else int(
                    rng.choice(cat_ids))
            else:
                cx, cy = rng.uniform(0, W), rng.uniform(0, H)
                w = float(np.exp(rng.uniform(np.log(2), np.log(W))))
                h = float(np.exp(rng.uniform(np.log(2), np.log(H))))
                box = [cx - w / 2, cy - h / 2, w, h]
                cat = int(rng.choice(pools)) if pools and kind < 0.8 else int(
                    rng.choice(cat_ids))
            x1 = min(max(box[0], 0.0), W - 1.0)
            y1 = min(max(box[1], 0.0), H - 1.0)
            x2 = min(max(box[0] + box[2], x1 + 0.5), W)
            y2 = min(max(box[1] + box[3], y1 + 0.5), H)
            score = np.ceil(rng.random() * score_levels) / score_levels
            rows.append((img['id'], cat, score, [x1, y1, x2 - x1, y2 - y1]))
    image_ids = np.array([r[0] for r in rows], dtype=np.int64)
    bboxes = np.array([r[3] for r in rows], dtype=np.float64)
    sizes = {img['id']: (img['height'], img['width']) for img in images}
    segms = []
    for img_id, box in zip(image_ids.tolist(), bboxes.tolist()):
        H, W = sizes[img_id]
        rle = mask_utils.merge(mask_utils.frPyObjects(
            [_box_polygon(box, rng)], H, W))
        rle['counts'] = rle['counts'].decode()
        segms.append(rle)
    return LVISDetections(image_ids, np.array([r[1] for r in rows]),
                          np.array([r[2] for r in rows]), bboxes, segms)


def data_samples(data, dets):
    """mmdet data samples (xyxy boxes, label indices, full masks)."""
    cat_ids = sorted(c['id'] for c in data['categories'])
    samples = []
    for img in data['images']:
        k = np.flatnonzero(dets.image_ids == img['id'])
        boxes = dets.bboxes[k].copy()
        boxes[:, 2:] += boxes[:, :2]
        masks = (mask_utils.decode([dets.segmentations[i] for i in k])
                 if len(k) else np.zeros((img['height'], img['width'], 0)))
        samples.append(dict(
            img_id=img['id'], ori_shape=(img['height'], img['width']),
            pred_instances=dict(
                bboxes=torch.tensor(boxes, dtype=torch.float32),
                scores=torch.tensor(dets.scores[k], dtype=torch.float32),
                labels=torch.tensor(
                    np.searchsorted(cat_ids, dets.category_ids[k])),
                masks=torch.from_numpy(masks.transpose(2, 0, 1) > 0))))
    return samples


def to_lvis_results(dets, iou_type):
    """Detections as the result list lvis-api (and mmdet's JSON) take."""
    out = []
    for k in range(len(dets)):
        r = dict(image_id=int(dets.image_ids[k]),
                 category_id=int(dets.category_ids[k]),
                 bbox=[float(v) for v in dets.bboxes[k]],
                 score=float(dets.scores[k]))
        if iou_type == 'segm':
            r['segmentation'] = dets.segmentations[k]
        out.append(r)
    return out


def lvis_api_eval(ann_file, dets, iou_type, img_ids=None, max_dets=300):
    """lvis-api's LVISEval on ``dets``: (results dict, precision array)."""
    from lvis import LVIS, LVISEval, LVISResults
    gt = LVIS(ann_file)
    results = LVISResults(gt, copy.deepcopy(to_lvis_results(dets, iou_type)),
                          max_dets=max_dets)
    ev = LVISEval(gt, results, iou_type)
    if img_ids is not None:
        ev.params.img_ids = list(img_ids)
    if max_dets < 0:
        ev.params.max_dets = -1
    ev.run()
    return dict(ev.get_results()), ev.eval['precision'], ev.eval['recall']
