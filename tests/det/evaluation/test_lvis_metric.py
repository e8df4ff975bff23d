"""lt_mm.LVISMetric and its engine against lvis-api, figure by figure."""
import json
import math

import numpy as np
import pytest

from lt_mm.core.evaluation import (SUMMARY_KEYS, LVISDetections,
                                   LVISGroundTruth, lvis_evaluate,
                                   read_per_class_table, top_per_category,
                                   top_per_image)
from lt_mm.det import LVISMetric
from .lvis_cases import lvis_api_eval

TOL = 1e-4


def assert_same_figures(stats, ref):
    for key in SUMMARY_KEYS:
        ref_key = key + '@300' if key.startswith('AR') else key
        assert stats[key] == pytest.approx(ref[ref_key], abs=TOL), key


def test_case_covers_the_special_cases(val_file, dets):
    _, data = val_file
    areas = np.array([a['area'] for a in data['annotations']])
    assert (areas < 32**2).any() and (areas > 96**2).any()
    assert ((areas >= 32**2) & (areas <= 96**2)).any()
    per_image = np.bincount(dets.image_ids)
    assert per_image.max() > 300
    assert data['images'][0]['id'] not in set(dets.image_ids.tolist())
    assert any(img['not_exhaustive_category_ids'] for img in data['images'])
    assert any(img['neg_category_ids'] for img in data['images'])
    assert len(np.unique(dets.scores)) < len(dets) / 10  # score ties


@pytest.mark.parametrize('iou_type', ['bbox', 'segm'])
def test_engine_equals_lvis_api(val_file, dets, iou_type):
    path, data = val_file
    result = lvis_evaluate(LVISGroundTruth(data), dets, iou_type)
    ref, precision, recall = lvis_api_eval(path, dets, iou_type)
    assert_same_figures(result.stats, ref)
    np.testing.assert_allclose(result.precision, precision, atol=TOL)
    np.testing.assert_allclose(result.recall, recall, atol=TOL)
    assert result.stats['AP'] > 0.01 and result.stats['APl'] > 0
    # per-class AP averages to the group figures, NaN for a class without GT
    ap = result.per_class_ap()
    for group in 'rcf':
        assert np.nanmean(ap[result.frequency == group]) == pytest.approx(
            ref[f'AP{group}'], abs=TOL)


@pytest.mark.parametrize('iou_type', ['bbox', 'segm'])
def test_engine_on_a_subset_of_images(val_file, dets, iou_type):
    path, data = val_file
    img_ids = [img['id'] for img in data['images'][::3]]
    result = lvis_evaluate(LVISGroundTruth(data), dets, iou_type,
                           img_ids=img_ids)
    ref, precision, _ = lvis_api_eval(path, dets, iou_type, img_ids=img_ids)
    assert_same_figures(result.stats, ref)
    np.testing.assert_allclose(result.precision, precision, atol=TOL)


def test_engine_fixed_ap_equals_lvis_api_without_cap(val_file, dets):
    path, data = val_file
    keep = top_per_category(dets.category_ids, dets.scores, 25)
    top = dets.take(keep)
    result = lvis_evaluate(LVISGroundTruth(data), top, 'bbox', max_dets=-1)
    ref, _, _ = lvis_api_eval(path, top, 'bbox', max_dets=-1)
    for key in ('AP', 'AP50', 'APr', 'APc', 'APf'):
        assert result.stats[key] == pytest.approx(ref[key], abs=TOL)


def test_top_per_image_and_category():
    groups = np.array([1, 1, 2, 1, 2, 1])
    scores = np.array([0.5, 0.9, 0.1, 0.5, 0.3, 0.2])
    # ties keep input order: index 0 before index 3
    np.testing.assert_array_equal(top_per_image(groups, scores, 2),
                                  [0, 1, 2, 4])
    np.testing.assert_array_equal(top_per_image(groups, scores, 3),
                                  [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(top_per_category(groups, scores, 1), [1, 4])
    np.testing.assert_array_equal(top_per_image(groups, scores, -1),
                                  np.arange(6))


def test_hand_computed_federated_case():
    """One image, class 1 annotated (2 objects), class 2 negative, class 3
    not exhaustive, class 4 unverified."""
    data = dict(
        images=[dict(id=7, height=100, width=100, neg_category_ids=[2],
                     not_exhaustive_category_ids=[3])],
        categories=[dict(id=c, name=f'c{c}', frequency=f)
                    for c, f in zip((1, 2, 3, 4), 'rcff')],
        annotations=[
            dict(id=1, image_id=7, category_id=1, bbox=[0, 0, 10, 10],
                 area=100),
            dict(id=2, image_id=7, category_id=1, bbox=[50, 50, 10, 10],
                 area=100),
            dict(id=3, image_id=7, category_id=3, bbox=[20, 20, 10, 10],
                 area=100)
        ])
    dets = LVISDetections(
        image_ids=[7] * 6, category_ids=[1, 1, 2, 3, 4, 1],
        scores=[0.9, 0.8, 0.99, 0.95, 0.99, 0.7],
        bboxes=[[0, 0, 10, 10], [80, 80, 10, 10], [0, 0, 5, 5],
                [70, 0, 10, 10], [0, 0, 10, 10], [50, 50, 10, 10]])
    result = lvis_evaluate(LVISGroundTruth(data), dets, 'bbox')
    # class 1: TP, FP, TP -> precision 1 up to recall 0.5, 2/3 up to 1
    p1 = result.precision[:, :, 0, 0]
    np.testing.assert_allclose(p1[:, :51], 1.0)
    np.testing.assert_allclose(p1[:, 51:], 2 / 3)
    # class 2: no GT -> -1; class 3: its FP is ignored, its GT missed -> 0
    assert (result.precision[:, :, 1, 0] == -1).all()
    assert (result.precision[:, :, 2, 0] == 0).all()
    assert (result.precision[:, :, 3, 0] == -1).all()
    ap1 = (51 + 50 * 2 / 3) / 101
    assert result.stats['AP'] == pytest.approx((ap1 + 0) / 2)
    assert result.stats['APr'] == pytest.approx(ap1)
    assert result.stats['APc'] == -1  # a group without GT
    assert result.stats['APf'] == 0
    assert result.stats['AR'] == pytest.approx(0.5)


def test_no_detections_at_all(val_file):
    _, data = val_file
    empty = LVISDetections(np.zeros(0), np.zeros(0), np.zeros(0),
                           np.zeros((0, 4)), [])
    for iou_type in ('bbox', 'segm'):
        stats = lvis_evaluate(LVISGroundTruth(data), empty, iou_type).stats
        assert stats['AP'] == 0 and stats['APr'] == 0 and stats['AR'] == 0


def test_engine_errors(val_file, dets):
    _, data = val_file
    gt = LVISGroundTruth(data)
    bad = LVISDetections([123456], [1], [0.5], [[0, 0, 5, 5]])
    with pytest.raises(ValueError, match='image id 123456'):
        lvis_evaluate(gt, bad, 'bbox')
    img = data['images'][0]['id']
    bad = LVISDetections([img], [9999], [0.5], [[0, 0, 5, 5]])
    with pytest.raises(ValueError, match='category id 9999'):
        lvis_evaluate(gt, bad, 'bbox')
    with pytest.raises(ValueError, match='masks'):
        lvis_evaluate(gt, LVISDetections([img], [1], [0.5], [[0, 0, 5, 5]]),
                      'segm')


def run_metric(samples, **kwargs):
    metric = LVISMetric(**kwargs)
    metric.dataset_meta = {}
    for i in range(0, len(samples), 4):
        metric.process({}, samples[i:i + 4])
    return metric.evaluate(len(samples))


def test_metric_equals_lvis_api_and_mmdet(val_file, dets, samples, tmp_path):
    path, data = val_file
    metrics = run_metric(samples, ann_file=path, metric=['bbox', 'segm'],
                         per_class_prefix=str(tmp_path / 'per_class'),
                         classwise=True)
    # the detections as mmdet would hand them to lvis-api (float32 boxes)
    boxes = dets.bboxes.astype(np.float32)
    xyxy = np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], 1)
    mmdet_dets = LVISDetections(
        dets.image_ids, dets.category_ids, dets.scores.astype(np.float32),
        np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], 1),
        dets.segmentations)
    from mmdet.evaluation import LVISMetric as MMDetLVISMetric
    host = MMDetLVISMetric(ann_file=path, metric=['bbox', 'segm'])
    host.dataset_meta = {}
    host.process({}, samples)
    host_metrics = host.evaluate(len(samples))
    for iou_type in ('bbox', 'segm'):
        ref, _, _ = lvis_api_eval(path, mmdet_dets, iou_type)
        for key in ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'APr', 'APc',
                    'APf', 'AR@300'):
            ours = metrics[f'lvis/{iou_type}_{key}']
            assert ours == pytest.approx(ref[key], abs=TOL), (iou_type, key)
            if key != 'AR@300':  # mmdet rounds to 3 decimals
                assert ours == pytest.approx(
                    host_metrics[f'lvis/{iou_type}_{key}'], abs=5.01e-4)
        rows = read_per_class_table(
            str(tmp_path / f'per_class_{iou_type}.csv'))
        assert len(rows) == len(data['categories'])
        cats = {c['id']: c for c in data['categories']}
        for row in rows:
            cat = cats[row['category_id']]
            assert row['image_count'] == cat['image_count']
            assert row['frequency'] == cat['frequency']
        for group in 'rcf':
            ap = [r['AP'] for r in rows if r['frequency'] == group
                  and not math.isnan(r['AP'])]
            assert np.mean(ap) == pytest.approx(
                metrics[f'lvis/{iou_type}_AP{group}'], abs=TOL)
        with open(tmp_path / f'per_class_{iou_type}.json') as f:
            js = json.load(f)
        assert js['group_means']['r'] == pytest.approx(
            metrics[f'lvis/{iou_type}_APr'], abs=TOL)


def test_metric_evaluates_only_the_processed_images(val_file, dets, samples):
    path, data = val_file
    subset = samples[:16]
    metrics = run_metric(subset, ann_file=path, metric='bbox')
    img_ids = [s['img_id'] for s in subset]
    ref, _, _ = lvis_api_eval(path, dets, 'bbox', img_ids=img_ids)
    assert metrics['lvis/bbox_AP'] == pytest.approx(ref['AP'], abs=TOL)
    assert metrics['lvis/bbox_APr'] == pytest.approx(ref['APr'], abs=TOL)


def test_metric_fixed_ap(val_file, dets, samples):
    path, _ = val_file
    metrics = run_metric(samples, ann_file=path, fixed_ap=True,
                         fixed_ap_topk=25)
    top = dets.take(top_per_category(dets.category_ids, dets.scores, 25))
    ref, _, _ = lvis_api_eval(path, top, 'bbox', max_dets=-1)
    assert metrics['lvis_fixed_ap/bbox_AP'] == pytest.approx(ref['AP'],
                                                             abs=TOL)


def test_metric_train_ann_file_counts(demo_data, tmp_path, samples, val_file):
    path, _ = val_file
    train = demo_data / 'annotations' / 'lvis_v1_train.json'
    run_metric(samples[:4], ann_file=path, train_ann_file=str(train),
               per_class_prefix=str(tmp_path / 'pc'))
    with open(train) as f:
        train_data = json.load(f)
    rows = read_per_class_table(str(tmp_path / 'pc_bbox.json'))
    for cat, row in zip(sorted(train_data['categories'],
                               key=lambda c: c['id']), rows):
        assert row['image_count'] == cat['image_count']
        assert row['instance_count'] == cat['instance_count']


def test_metric_errors(val_file, samples):
    path, data = val_file
    with pytest.raises(ValueError, match='ann_file'):
        LVISMetric()
    with pytest.raises(KeyError, match="one of 'bbox', 'segm', 'proposal'"):
        LVISMetric(ann_file=path, metric='recall')
    with pytest.raises(ValueError, match='outfile_prefix'):
        LVISMetric(ann_file=path, format_only=True)
    bad = [dict(samples[1], img_id=987654)]
    with pytest.raises(ValueError, match='image id 987654'):
        run_metric(bad, ann_file=path)
    pred = dict(samples[1]['pred_instances'])
    pred['labels'] = pred['labels'] + len(data['categories'])
    with pytest.raises(ValueError, match='outside the 20 categories'):
        run_metric([dict(samples[1], pred_instances=pred)], ann_file=path)


def test_metric_writes_result_files(val_file, samples, tmp_path):
    path, _ = val_file
    prefix = str(tmp_path / 'out' / 'results')
    assert run_metric(samples[:8], ann_file=path, metric=['bbox', 'segm'],
                      format_only=True, outfile_prefix=prefix) == {}
    from lvis import LVIS, LVISEval
    ev = LVISEval(LVIS(path), prefix + '.segm.json', 'segm')
    ev.params.img_ids = [s['img_id'] for s in samples[:8]]
    ev.run()
    metrics = run_metric(samples[:8], ann_file=path, metric='segm')
    assert metrics['lvis/segm_AP'] == pytest.approx(ev.results['AP'], abs=TOL)
