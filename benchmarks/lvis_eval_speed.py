"""LVIS bbox + segm evaluation time: lt_mm.LVISMetric against lvis-api and
mmdet's LVISMetric, with ratios and peak memory from one run.

    python benchmarks/lvis_eval_speed.py [--images 19809] [--ref-images N]
        [--categories 1203] [--dets-per-image 300] [--skip-references]

A synthetic case shaped like LVIS v1 val is generated in memory (and its
annotation file in a temporary folder): ``--images`` images of COCO sizes,
1203 categories (337 rare / 461 common / 405 frequent, weighted by training
image count), about 12 annotated instances of 3.5 categories per image with
polygon masks, 6 negative categories per image, a not-exhaustive category on
30% of the images, and ``--dets-per-image`` detections per image with RLE
masks: 40% jittered copies of the image's annotations, 15% on its negative
categories, the rest on random categories.

Each evaluator runs end to end from the predictions as its ``process()``
stores them to the metrics (mmdet: results2json, JSON dump, LVISResults,
LVISEval; lvis-api: result dicts, LVISResults, LVISEval; ours:
compute_metrics), in a forked process of its own; loading the annotation file
is timed apart. Peak memory is the forked process's peak resident set
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) minus its resident set when
it started, i.e. what the evaluation added.

lvis-api and mmdet take about 17 minutes for bbox + segm on the full LVIS v1
val size, so ``--ref-images`` (default: ``--images``) runs the references,
and ours again, on a smaller case with the same per-image densities; the
ratios are measured at that size.
"""
import argparse
import json
import multiprocessing
import os
import os.path as osp
import resource
import sys
import tempfile
import time

import numpy as np
import pycocotools.mask as mask_utils

import lt_mm  # noqa: F401  (lvis-api under numpy 2)

GROUP_SIZES = dict(r=337, c=461, f=405)  # LVIS v1
IMAGE_SIZES = [(480, 640), (640, 480), (427, 640), (640, 427), (512, 512)]


def _octagon(boxes, cut):
    x, y, w, h = boxes.T
    a, b = cut * w, cut * h
    return np.stack([x + a, y, x + w - a, y, x + w, y + b, x + w, y + h - b,
                     x + w - a, y + h, x + a, y + h, x, y + h - b, x, y + b],
                    axis=1)


def _polygon_area(poly):
    xs, ys = poly[:, 0::2], poly[:, 1::2]
    return 0.5 * np.abs((xs * np.roll(ys, -1, 1)).sum(1) -
                        (ys * np.roll(xs, -1, 1)).sum(1))


def _categories(num_cats, rng):
    n = np.array(list(GROUP_SIZES.values()), dtype=float)
    n = np.round(n / n.sum() * num_cats).astype(int)
    n[-1] = num_cats - n[:-1].sum()
    counts = np.concatenate([
        rng.integers(1, 11, n[0]), rng.integers(11, 101, n[1]),
        np.exp(rng.uniform(np.log(101), np.log(50000), n[2])).astype(int)])
    freq = np.repeat(['r', 'c', 'f'], n)
    cats = [dict(id=k + 1, name=f'class_{k + 1}', synset=f'class_{k + 1}.n.01',
                 frequency=str(f), image_count=int(c),
                 instance_count=int(2 * c))
            for k, (f, c) in enumerate(zip(freq, counts))]
    return cats, counts / counts.sum()


def make_case(num_images, num_cats, dets_per_image, seed=0):
    """(LVIS annotation dict, per-image predictions) of a synthetic case."""
    rng = np.random.default_rng(seed)
    cats, weights = _categories(num_cats, rng)
    images, anns, preds = [], [], []
    for i in range(num_images):
        img_id = i + 1
        H, W = IMAGE_SIZES[rng.integers(len(IMAGE_SIZES))]
        n_pos = 1 + min(rng.poisson(2.5), 20)
        pos = rng.choice(num_cats, n_pos, replace=False, p=weights) + 1
        n_per = 1 + rng.geometric(0.3, n_pos) - 1
        gt_cats = np.repeat(pos, n_per)
        sizes = np.exp(rng.uniform(np.log(8), np.log(min(H, W) * 0.9),
                                   (len(gt_cats), 2)))
        xy = rng.uniform(0, 1, (len(gt_cats), 2)) * ([W, H] - sizes)
        gt_boxes = np.round(np.concatenate([xy, sizes], 1), 2)
        polys = np.round(_octagon(gt_boxes, 0.2), 2)
        area = _polygon_area(polys)
        for k in range(len(gt_cats)):
            anns.append(dict(id=len(anns) + 1, image_id=img_id,
                             category_id=int(gt_cats[k]),
                             bbox=gt_boxes[k].tolist(),
                             segmentation=[polys[k].tolist()],
                             area=float(area[k])))
        neg = np.setdiff1d(rng.choice(num_cats, 6, replace=False) + 1, pos)
        not_exh = [int(pos[0])] if rng.random() < 0.3 else []
        images.append(dict(id=img_id, height=H, width=W,
                           neg_category_ids=neg.tolist(),
                           not_exhaustive_category_ids=not_exh,
                           coco_url=f'http://x/val2017/{img_id:012d}.jpg'))
        # detections
        n_gt = int(0.4 * dets_per_image)
        n_neg = int(0.15 * dets_per_image) if len(neg) else 0
        n_rand = dets_per_image - n_gt - n_neg
        src = rng.integers(len(gt_cats), size=n_gt)
        jitter = rng.uniform(0, 0.3, (n_gt, 1))
        b = gt_boxes[src].copy()
        b[:, :2] += rng.normal(0, 1, (n_gt, 2)) * jitter * b[:, 2:]
        b[:, 2:] *= np.exp(rng.normal(0, 1, (n_gt, 2)) * jitter)
        labels_gt = np.where(rng.random(n_gt) < 0.8, gt_cats[src],
                             rng.choice(num_cats, n_gt, p=weights) + 1)
        sizes = np.exp(rng.uniform(np.log(4), np.log(min(H, W)),
                                   (n_neg + n_rand, 2)))
        xy = rng.uniform(0, 1, (n_neg + n_rand, 2)) * ([W, H] - sizes)
        boxes = np.concatenate([b, np.concatenate([xy, sizes], 1)])
        labels = np.concatenate([
            labels_gt, rng.choice(neg, n_neg) if n_neg else [],
            rng.choice(num_cats, n_rand, p=weights) + 1]).astype(np.int64)
        scores = np.concatenate([rng.uniform(0.2, 1, n_gt),
                                 rng.uniform(0, 0.8, n_neg + n_rand)])
        x1 = np.clip(boxes[:, 0], 0, W - 1)
        y1 = np.clip(boxes[:, 1], 0, H - 1)
        x2 = np.clip(boxes[:, 0] + boxes[:, 2], x1 + 1, W)
        y2 = np.clip(boxes[:, 1] + boxes[:, 3], y1 + 1, H)
        xyxy = np.stack([x1, y1, x2, y2], 1).astype(np.float32)
        rles = mask_utils.frPyObjects(
            _octagon(np.stack([x1, y1, x2 - x1, y2 - y1], 1), 0.25).tolist(),
            H, W)
        for rle in rles:
            rle['counts'] = rle['counts'].decode()
        preds.append(dict(img_id=img_id, bboxes=xyxy,
                          scores=scores.astype(np.float32),
                          labels=labels - 1, masks=rles,
                          ori_shape=(H, W)))
    gt = dict(info={}, licenses=[], images=images, annotations=anns,
              categories=cats)
    return gt, preds


# --- evaluators: each returns (seconds to load, seconds to evaluate) -------

def run_ours(ann_file, preds, iou_type):
    from lt_mm.det import LVISMetric
    t0 = time.perf_counter()
    metric = LVISMetric(ann_file=ann_file, metric=iou_type, progress=False)
    t1 = time.perf_counter()
    results = [{k: v for k, v in p.items() if k != 'ori_shape'}
               for p in preds]
    metrics = metric.compute_metrics(results)
    return t1 - t0, time.perf_counter() - t1, metrics[f'{iou_type}_AP']


def run_mmdet(ann_file, preds, iou_type):
    from mmdet.evaluation import LVISMetric
    t0 = time.perf_counter()
    metric = LVISMetric(ann_file=ann_file, metric=iou_type)
    t1 = time.perf_counter()
    results = [(dict(width=p['ori_shape'][1], height=p['ori_shape'][0],
                     img_id=p['img_id']),
                {k: v for k, v in p.items() if k != 'ori_shape'})
               for p in preds]
    metrics = metric.compute_metrics(results)
    return t1 - t0, time.perf_counter() - t1, metrics[f'{iou_type}_AP']


def run_lvis_api(ann_file, preds, iou_type):
    from lvis import LVIS, LVISEval, LVISResults
    t0 = time.perf_counter()
    gt = LVIS(ann_file)
    t1 = time.perf_counter()
    cat_ids = sorted(gt.get_cat_ids())
    results = []
    for p in preds:
        b = p['bboxes']
        wh = b[:, 2:] - b[:, :2]
        for k in range(len(b)):
            r = dict(image_id=p['img_id'], category_id=cat_ids[p['labels'][k]],
                     bbox=[float(b[k, 0]), float(b[k, 1]), float(wh[k, 0]),
                           float(wh[k, 1])], score=float(p['scores'][k]))
            if iou_type == 'segm':
                r['segmentation'] = p['masks'][k]
            results.append(r)
    ev = LVISEval(gt, LVISResults(gt, results), iou_type)
    ev.run()
    return t1 - t0, time.perf_counter() - t1, ev.results['AP']


RUNNERS = dict(ours=run_ours, mmdet=run_mmdet, lvis_api=run_lvis_api)


def _rss_kb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') // 1024


def _child(queue, name, ann_file, preds, iou_type):
    import logging
    logging.disable(logging.WARNING)  # lvis-api / mmengine chatter
    sys.stdout = open(os.devnull, 'w')
    start = _rss_kb()
    try:
        load, seconds, ap = RUNNERS[name](ann_file, preds, iou_type)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        queue.put((load, seconds, ap, (peak - start) / 1024))
    except Exception as e:  # report, do not hang the parent
        queue.put(repr(e))


def measure(name, ann_file, preds, iou_type):
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()
    proc = ctx.Process(target=_child,
                       args=(queue, name, ann_file, preds, iou_type))
    proc.start()
    out = queue.get()
    proc.join()
    if isinstance(out, str):
        raise RuntimeError(f'{name} {iou_type} failed: {out}')
    return out


def bench(num_images, args, names, tmp):
    t = time.perf_counter()
    gt, preds = make_case(num_images, args.categories, args.dets_per_image,
                          args.seed)
    ann_file = osp.join(tmp, f'lvis_synthetic_{num_images}.json')
    with open(ann_file, 'w') as f:
        json.dump(gt, f)
    n_dets = sum(len(p['labels']) for p in preds)
    print(f'\n{num_images} images, {len(gt["annotations"])} annotations, '
          f'{args.categories} categories, {n_dets} detections with masks '
          f'(generated in {time.perf_counter() - t:.0f}s)', flush=True)
    del gt
    rows = {}
    for iou_type in args.iou_types:
        for name in names:
            load, seconds, ap, mem = measure(name, ann_file, preds, iou_type)
            rows[name, iou_type] = (load, seconds, ap, mem)
            print(f'  {iou_type:4s} {name:8s} evaluate {seconds:8.1f}s  '
                  f'(load annotations {load:5.1f}s)  peak +{mem:7.0f} MiB  '
                  f'AP {ap:.4f}', flush=True)
    return rows


def table(rows, names, num_images):
    header = ([f'{num_images} images'] + [f'{n} (s)' for n in names] +
              [f'{n} / ours' for n in names[1:]] +
              [f'{n} peak MiB' for n in names])
    print('\n| ' + ' | '.join(header) + ' |')
    print('|---' * len(header) + '|')
    for iou_type in ('bbox', 'segm', 'both'):
        types = ('bbox', 'segm') if iou_type == 'both' else (iou_type,)
        if not all((n, t) in rows for n in names for t in types):
            continue
        secs = {n: sum(rows[n, t][1] for t in types) for n in names}
        mem = {n: max(rows[n, t][3] for t in types) for n in names}
        cells = ([iou_type] + [f'{secs[n]:.1f}' for n in names] +
                 [f'{secs[n] / secs["ours"]:.1f}x' for n in names[1:]] +
                 [f'{mem[n]:.0f}' for n in names])
        print('| ' + ' | '.join(cells) + ' |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=19809)
    parser.add_argument('--ref-images', type=int,
                        help='images of the case the references run on '
                        '(default: --images)')
    parser.add_argument('--categories', type=int, default=1203)
    parser.add_argument('--dets-per-image', type=int, default=300)
    parser.add_argument('--iou-types', nargs='+', default=['bbox', 'segm'],
                        choices=['bbox', 'segm'])
    parser.add_argument('--skip-references', action='store_true',
                        help='time ours only')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    ref_images = args.ref_images or args.images
    refs = [] if args.skip_references else ['lvis_api', 'mmdet']
    with tempfile.TemporaryDirectory() as tmp:
        if refs and ref_images != args.images:
            rows = bench(ref_images, args, ['ours'] + refs, tmp)
            table(rows, ['ours'] + refs, ref_images)
            rows = bench(args.images, args, ['ours'], tmp)
            table(rows, ['ours'], args.images)
        else:
            rows = bench(args.images, args, ['ours'] + refs, tmp)
            table(rows, ['ours'] + refs, args.images)


if __name__ == '__main__':
    main()
