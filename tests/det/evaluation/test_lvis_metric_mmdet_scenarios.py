"""lt_mm.LVISMetric on the scenarios of mmdet's own LVISMetric tests, and
side by side with mmdet's LVISMetric.

The scenarios are those of open-mmlab/mmdetection,
tests/test_evaluation/test_metrics/test_lvis_metric.py (commit 587f6e9):
one 640 x 640 image with four boxes of two categories (L21-L93), detections
equal to them (L95-L106), and the calls of L113-L363. They are written here
anew, with hand-computed figures for predictions that are not perfect as
well. Where lt_mm keeps a documented difference (LVISMetric's docstring),
the test asserts ours and says what mmdet does.
"""
import json
import math

import numpy as np
import pycocotools.mask as mask_utils
import pytest
import torch

from lt_mm.det import LVISMetric

# (category id, x, y, w, h) of the image's annotations
GT = [(1, 50, 60, 20, 20), (1, 100, 120, 30, 30), (2, 150, 160, 40, 40),
      (1, 250, 260, 100, 100)]
SCORES = [1.0, 0.98, 0.96, 0.95]
CLASSES = ['aerosol_can', 'air_conditioner']
# the first detection moved 6 px right: IoU 280 / 520 = 0.538 with its box
SHIFTED = [56, 60, 76, 80]
# 67 of the 101 recall points at precision 2/3 (a false positive ranked
# first, then two of three boxes found)
AP_MISS_FIRST = 67 * (2 / 3) / 101


def _square_mask_rle(size=10, side=5):
    mask = np.zeros((size, size), order='F', dtype=np.uint8)
    mask[:side, :side] = 1
    rle = mask_utils.encode(mask)
    rle['counts'] = rle['counts'].decode()
    return rle


@pytest.fixture
def ann_file(tmp_path):
    """The image, boxes and categories of mmdet's test (L21-L93)."""
    anns = [
        dict(id=k + 1, image_id=0, category_id=c, bbox=[x, y, w, h],
             area=w * h, segmentation=_square_mask_rle())
        for k, (c, x, y, w, h) in enumerate(GT)
    ]
    data = dict(
        images=[dict(id=0, width=640, height=640, neg_category_ids=[],
                     not_exhaustive_category_ids=[])],
        annotations=anns,
        categories=[
            dict(id=1, name=CLASSES[0], frequency='c', image_count=64),
            dict(id=2, name=CLASSES[1], frequency='f', image_count=364)
        ])
    path = tmp_path / 'lvis_dummy.json'
    path.write_text(json.dumps(data))
    return str(path)


def predictions(first_box=None, labels=None, extra=None):
    """The annotations as detections (L95-L106), optionally with the first
    box replaced, other labels, or an extra (box, score, label) first."""
    boxes = [[x, y, x + w, y + h] for _, x, y, w, h in GT]
    scores = list(SCORES)
    labels = [c - 1 for c, *_ in GT] if labels is None else list(labels)
    if first_box is not None:
        boxes[0] = first_box
    if extra is not None:
        boxes.insert(0, extra[0])
        scores.insert(0, extra[1])
        labels.insert(0, extra[2])
    masks = np.zeros((len(boxes), 10, 10), dtype=np.uint8)
    masks[:, :5, :5] = 1
    return dict(bboxes=torch.tensor(boxes),
                scores=torch.tensor(scores, dtype=torch.float64),
                labels=torch.tensor(labels), masks=torch.from_numpy(masks))


def run(ann_file, pred=None, metric_cls=LVISMetric, **kwargs):
    metric = metric_cls(ann_file=ann_file, **kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [dict(pred_instances=pred or predictions(), img_id=0,
                             ori_shape=(640, 640))])
    return metric.evaluate(size=1)


def perfect(iou_type):
    """mmdet's target for the perfect detections (L139-L149), plus our
    AR@300."""
    keys = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APc', 'APf',
            'AR@300')
    target = {f'lvis/{iou_type}_{k}': 1.0 for k in keys}
    target[f'lvis/{iou_type}_APr'] = -1.0  # no rare category
    return target


def test_unknown_metric_is_a_key_error_in_mmdets_words(ann_file):
    """mmdet 3.3.0 mmdet/evaluation/metrics/lvis_metric.py L101-L106; its
    test L115-L119 and L193-L198."""
    for metric in ('unknown', ['bbox', 'invalid']):
        with pytest.raises(KeyError) as info:
            LVISMetric(ann_file=ann_file, metric=metric)
        bad = metric if isinstance(metric, str) else metric[1]
        assert info.value.args[0] == (
            "metric should be one of 'bbox', 'segm', 'proposal', "
            f"'proposal_fast', but got {bad}.")


def test_box_and_mask_ap_of_perfect_detections(ann_file, tmp_path):
    """mmdet's test L122-L191: every box found by the best-scored detections
    of its category, so AP = 1 at every IoU threshold, area range and
    frequency group that has a category (APr: none, -1). Ours adds
    AR@300 (= 1)."""
    prefix = str(tmp_path / 'out' / 'test')
    assert run(ann_file, outfile_prefix=prefix) == perfect('bbox')
    assert (tmp_path / 'out' / 'test.bbox.json').is_file()
    assert run(ann_file, metric=['bbox', 'segm'], outfile_prefix=prefix) == {
        **perfect('bbox'), **perfect('segm')}
    assert (tmp_path / 'out' / 'test.segm.json').is_file()


def test_metric_items_pick_the_figures(ann_file):
    """mmdet's test L200-L212."""
    assert run(ann_file, metric_items=['APm']) == {'lvis/bbox_APm': 1.0}
    assert run(ann_file, metric_items=['APc', 'ARl@300']) == {
        'lvis/bbox_APc': 1.0, 'lvis/bbox_ARl@300': 1.0}


def test_classwise_reports_each_category_ap(ann_file):
    """mmdet 3.3.0 lvis_metric.py L316-L341 (key ``{name}_precision``, the
    mean of the category's precision over IoU 0.50:0.95 and 101 recall
    points, all areas); its test L215-L243.

    With the first box missed above IoU 0.5 (``SHIFTED``, IoU 0.538):
    aerosol_can has AP 1 at IoU 0.5 and AP_MISS_FIRST at the 9 thresholds
    above, air_conditioner AP 1. The frequency-group keys stay, and each is
    the mean of its categories' keys (APc: aerosol_can, APf:
    air_conditioner, APr: no category, -1).
    """
    assert run(ann_file, metric='bbox', classwise=True) == {
        **perfect('bbox'), 'lvis/aerosol_can_precision': 1.0,
        'lvis/air_conditioner_precision': 1.0}

    res = run(ann_file, predictions(first_box=SHIFTED), classwise=True)
    aerosol = (1 + 9 * AP_MISS_FIRST) / 10
    assert res['lvis/aerosol_can_precision'] == pytest.approx(aerosol,
                                                              abs=1e-9)
    assert res['lvis/air_conditioner_precision'] == 1.0
    assert res['lvis/bbox_APc'] == pytest.approx(aerosol, abs=1e-9)
    assert res['lvis/bbox_APf'] == 1.0
    assert res['lvis/bbox_APr'] == -1.0
    assert res['lvis/bbox_AP'] == pytest.approx((aerosol + 1) / 2, abs=1e-9)

    # with 'bbox' and 'segm' the keys hold the last (segm), as in mmdet;
    # the masks all equal the annotations' masks, so segm AP is 1
    res = run(ann_file, predictions(first_box=SHIFTED),
              metric=['bbox', 'segm'], classwise=True)
    assert res['lvis/aerosol_can_precision'] == 1.0
    assert res['lvis/bbox_APc'] == pytest.approx(aerosol, abs=1e-9)


def test_iou_thrs_read_back_as_given_and_apply_to_ap(ann_file):
    """mmdet's test L246-L256 reads ``iou_thrs`` back as given. Ours also
    evaluates 'bbox' / 'segm' at them (mmdet passes them to 'proposal_fast'
    only): at [0.3, 0.6] aerosol_can scores AP 1 at 0.3 and AP_MISS_FIRST
    at 0.6, and AP50 is -1 (0.5 is not a threshold, as in lvis-api)."""
    metric = LVISMetric(ann_file=ann_file, metric='bbox', iou_thrs=[0.3, 0.6])
    assert metric.iou_thrs == [0.3, 0.6]
    assert LVISMetric(ann_file=ann_file, iou_thrs=0.5).iou_thrs == 0.5
    np.testing.assert_allclose(
        LVISMetric(ann_file=ann_file).iou_thrs, np.arange(10) * 0.05 + 0.5)

    res = run(ann_file, predictions(first_box=SHIFTED), iou_thrs=[0.3, 0.6])
    aerosol = (1 + AP_MISS_FIRST) / 2
    assert res['lvis/bbox_AP'] == pytest.approx((aerosol + 1) / 2, abs=1e-9)
    assert res['lvis/bbox_AP50'] == -1.0
    for bad in ([0.0, 0.5], [1.2], []):
        with pytest.raises(ValueError, match='iou_thrs'):
            LVISMetric(ann_file=ann_file, iou_thrs=bad)


def test_proposal_fast_recall(ann_file):
    """mmdet 3.3.0 lvis_metric.py L148-L185 (all boxes of the image,
    ``eval_recalls``, mean over ``iou_thrs``); its test L259-L289:
    AR@100 = AR@300 = AR@1000 = 1; the first 2 proposals find 2 of the 4
    boxes (AR@2 = 0.5), 4 find all.

    SHIFTED: the first proposal reaches its box at IoU 0.5 only (1 of the
    10 thresholds), so AR@1 = 1 / 40 and AR@4 = (4 + 9 * 3) / 40.
    """
    assert run(ann_file, metric='proposal_fast') == {
        'lvis/AR@100': 1.0, 'lvis/AR@300': 1.0, 'lvis/AR@1000': 1.0}
    assert run(ann_file, metric='proposal_fast', proposal_nums=(2, 4)) == {
        'lvis/AR@2': 0.5, 'lvis/AR@4': 1.0}
    res = run(ann_file, predictions(first_box=SHIFTED),
              metric='proposal_fast', proposal_nums=(1, 4))
    assert res['lvis/AR@1'] == pytest.approx(1 / 40)
    assert res['lvis/AR@4'] == pytest.approx(31 / 40)
    # ours ranks by score: a poor proposal listed first with score 0.1 is
    # not among the first 2 (mmdet would take it: AR@2 = 0.25)
    junk = ([600, 600, 620, 620], 0.1, 0)
    assert run(ann_file, predictions(extra=junk), metric='proposal_fast',
               proposal_nums=(2, )) == {'lvis/AR@2': 0.5}
    # class-agnostic proposals need no labels
    pred = predictions()
    del pred['labels'], pred['masks']
    assert run(ann_file, pred, metric='proposal_fast',
               proposal_nums=(3, )) == {'lvis/AR@3': 0.75}
    for bad in ((), (0, 100), (1.5, )):
        with pytest.raises(ValueError, match='proposal_nums'):
            LVISMetric(ann_file=ann_file, metric='proposal_fast',
                       proposal_nums=bad)


def test_proposal_is_the_category_aware_box_recall(ann_file):
    """mmdet 3.3.0 lvis_metric.py L298-L312: it sets ``useCats = 0`` and
    ``maxDets`` on lvis-api's ``Params``, which reads ``use_cats`` and
    ``max_dets`` (lvis-api 0.5.3 lvis/eval.py L528, L536), so 'proposal'
    reports AR@300 / ARs / ARm / ARl of the per-category box evaluation;
    its test L292-L311 (all 1).

    SHIFTED: aerosol_can recalls 3 of 3 boxes at IoU 0.5 and 2 of 3 above
    (mean (1 + 9 * 2/3) / 10 = 0.7), air_conditioner 1: AR@300 = 0.85; of
    its two small boxes (20^2 and 30^2 px) both are found at IoU 0.5, one
    above: ARs@300 = (1 + 9 * 0.5) / 10 = 0.55. All labels 0 (class-agnostic
    proposals): air_conditioner's box, the only medium one, is never
    recalled: AR@300 = 0.5, ARm@300 = 0, while 'proposal_fast' gives 1.
    """
    ar_keys = ('lvis/AR@300', 'lvis/ARs@300', 'lvis/ARm@300', 'lvis/ARl@300')
    assert run(ann_file, metric='proposal') == dict.fromkeys(ar_keys, 1.0)
    res = run(ann_file, predictions(first_box=SHIFTED), metric='proposal')
    assert res == pytest.approx(dict(zip(ar_keys, (0.85, 0.55, 1.0, 1.0))))
    res = run(ann_file, predictions(labels=[0, 0, 0, 0]),
              metric=['proposal', 'proposal_fast'], proposal_nums=(4, ))
    assert res == pytest.approx({
        **dict(zip(ar_keys, (0.5, 1.0, 0.0, 1.0))), 'lvis/AR@4': 1.0})
    # with 'bbox' too: one evaluation, both sets of keys
    res = run(ann_file, metric=['bbox', 'proposal'])
    assert res == {**perfect('bbox'), **dict.fromkeys(ar_keys, 1.0)}


def test_no_detections_give_zero_ap(ann_file):
    """mmdet's test L314-L334 asks only that evaluation does not raise;
    mmdet then returns no figures, ours AP 0 (4 boxes, none found)."""
    empty = dict(bboxes=torch.zeros(0, 4), scores=torch.zeros(0),
                 labels=torch.zeros(0), masks=torch.zeros(0, 10, 10))
    res = run(ann_file, empty, metric='bbox')
    assert res == {**{k: 0.0 for k in perfect('bbox')}, 'lvis/bbox_APr': -1.0}
    assert run(ann_file, empty, metric='proposal_fast',
               proposal_nums=(1, )) == {'lvis/AR@1': 0.0}


def test_format_only_writes_the_result_file(ann_file, tmp_path):
    """mmdet's test L337-L363. Without ``outfile_prefix`` ours raises a
    ValueError (mmdet: an assert, which ``python -O`` drops)."""
    with pytest.raises(ValueError, match='outfile_prefix'):
        LVISMetric(ann_file=ann_file, format_only=True, outfile_prefix=None)
    prefix = str(tmp_path / 'test')
    assert run(ann_file, metric='bbox', format_only=True,
               outfile_prefix=prefix) == {}
    with open(prefix + '.bbox.json') as f:
        rows = json.load(f)
    assert [r['category_id'] for r in rows] == [c for c, *_ in GT]
    assert [r['bbox'] for r in rows] == [[x, y, w, h] for _, x, y, w, h in GT]
    assert [r['score'] for r in rows] == SCORES


def _mmdet_lvis_metric():
    from mmdet.evaluation.metrics import LVISMetric as MMDetLVISMetric
    return MMDetLVISMetric


def _as_mmdet_rounds(key, value):
    """mmdet 3.3.0 lvis_metric.py: ``round(ap, 3)`` for ``_precision``
    (L341), ``'{:.3f}'`` for the summary (L311, L365)."""
    if key.endswith('_precision'):
        return round(value, 3)
    return float(f'{value:.3f}')


def assert_equals_mmdet(ours, theirs, fast_keys=()):
    """``fast_keys``: 'proposal_fast' figures, which mmdet does not round
    (L284)."""
    extras = {'lvis/bbox_AR@300', 'lvis/segm_AR@300'} & set(ours)
    assert set(ours) - extras == set(theirs)
    for key, value in theirs.items():
        mine = ours[key] if key in fast_keys else _as_mmdet_rounds(
            key, ours[key])
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(mine), key
        else:
            assert mine == pytest.approx(value, abs=1e-12), key


CASES = {
    'bbox': dict(),
    'bbox_segm': dict(metric=['bbox', 'segm']),
    'metric_items': dict(metric_items=['APm', 'APf']),
    'classwise': dict(classwise=True),
    'proposal': dict(metric='proposal'),
    'proposal_fast': dict(metric='proposal_fast'),
    'proposal_nums': dict(metric='proposal_fast', proposal_nums=(1, 2, 4)),
    'fast_iou_thrs': dict(metric='proposal_fast', iou_thrs=[0.3, 0.6]),
}
PREDS = {
    'perfect': dict(),
    'shifted': dict(first_box=SHIFTED),
    'labels_0': dict(labels=[0, 0, 0, 0]),
}


@pytest.mark.parametrize('pred', PREDS)
@pytest.mark.parametrize('case', CASES)
def test_equals_mmdets_lvis_metric(ann_file, case, pred):
    """mmdet's LVISMetric and ours on the same file and predictions: the
    same keys (ours adds ``{iou_type}_AR@300``) and, rounded as mmdet
    rounds, the same figures. 'proposal_fast' is not rounded there; its
    float32 IoUs and greedy matching are mmdet's, so it is compared
    exactly."""
    kwargs = CASES[case]
    ours = run(ann_file, predictions(**PREDS[pred]), **kwargs)
    theirs = run(ann_file, predictions(**PREDS[pred]),
                 metric_cls=_mmdet_lvis_metric(), **kwargs)
    fast = list(theirs) if kwargs.get('metric') == 'proposal_fast' else []
    assert_equals_mmdet(ours, theirs, fast_keys=fast)


def test_classwise_and_proposal_equal_mmdet_on_the_demo_split(val_file,
                                                               samples):
    """100 images, 20 categories of all three frequency groups, synthetic
    detections (tests/det/evaluation/lvis_cases.py): every key of mmdet's
    'bbox' + 'proposal' with ``classwise`` (20 ``_precision`` keys, AR@300,
    ARs/ARm/ARl@300) equals ours rounded as mmdet rounds; and each of APr,
    APc, APf is the mean of its categories' ``_precision`` keys.

    mmdet's 'proposal_fast' cannot run here: ``eval_recalls`` stacks the
    per-image IoU matrices with ``np.array``, which numpy >= 1.24 refuses for
    images of different sizes (tests/core/test_proposal_recall.py compares
    with its math instead).
    """
    path, data = val_file
    kwargs = dict(metric=['bbox', 'proposal'], classwise=True)
    ours = run_many(path, samples, LVISMetric, **kwargs)
    theirs = run_many(path, samples, _mmdet_lvis_metric(), **kwargs)
    assert len([k for k in theirs if k.endswith('_precision')]) == 20
    assert_equals_mmdet(ours, theirs)
    freq = {c['name']: c['frequency'] for c in data['categories']}
    for group in 'rcf':
        aps = [ours[f'lvis/{name}_precision'] for name, f in freq.items()
               if f == group]
        aps = [ap for ap in aps if not math.isnan(ap)]
        assert len(aps) >= 2
        assert ours[f'lvis/bbox_AP{group}'] == pytest.approx(np.mean(aps),
                                                             abs=1e-12)


def run_many(path, samples, metric_cls, **kwargs):
    metric = metric_cls(ann_file=path, **kwargs)
    metric.dataset_meta = {}
    metric.process({}, samples)
    return metric.evaluate(len(samples))
