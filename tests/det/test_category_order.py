"""One label order for dataset, class statistics and metric, whatever order
an LVIS-format file lists its categories in.

The reference orders: mmdet 3.3 labels LVIS instances by the file's category
list (open-mmlab/mmdetection v3.3.0, mmdet/datasets/lvis.py L606-L607,
``cat2label`` from ``LVIS.get_cat_ids()``) and maps predicted label k back to
the k-th id of the same list (mmdet/evaluation/metrics/lvis_metric.py L420
and L450); lvis-api's evaluation sorts the ids (lvis-dataset/lvis-api,
lvis/eval.py L52). LVIS v1 lists its categories by id, so all agree there;
lt_mm labels by sorted id everywhere (lt_mm/core/category_order.py).

The file below lists its three categories as ids 30, 10, 20. By id, label 0
is 'apple' (id 10, frequency 'f', 4 instances in 3 images), label 1 'bear'
(id 20, 'c', 2 in 2), label 2 'cat' (id 30, 'r', 1 in 1); counted by hand
from the annotations written out below.
"""
import json
import types

import numpy as np
import pytest
import torch.nn as nn
from mmengine.logging import MMLogger

from lt_mm.core.category_order import categories_by_id
from lt_mm.core.evaluation import LVISGroundTruth
from lt_mm.datasets import dataset_class_statistics
from lt_mm.det import AdaptiveClassSuppressionLoss, LVISDataset, LVISMetric
from lt_mm.engine import ClassStatisticsHook

# (id, name, frequency), in the (not id) order the file lists them.
CATEGORIES = [(30, 'cat', 'r'), (10, 'apple', 'f'), (20, 'bear', 'c')]
# image id -> category ids of its annotations, one box each.
IMAGES = {1: [10, 10, 20], 2: [10, 30], 3: [10, 20]}
# By label (sorted id), counted by hand from IMAGES.
NAMES = ('apple', 'bear', 'cat')
FREQUENCY = ('f', 'c', 'r')
INSTANCES = [4, 2, 1]
IMAGE_COUNTS = [3, 2, 1]


def _lvis_file(path, categories=CATEGORIES):
    images, annotations = [], []
    for img_id, cat_ids in IMAGES.items():
        images.append(dict(
            id=img_id, height=200, width=200, neg_category_ids=[],
            not_exhaustive_category_ids=[],
            coco_url=f'http://images.cocodataset.org/train2017/'
                     f'{img_id:012d}.jpg'))
        for k, cat_id in enumerate(cat_ids):
            # a distinct box per annotation, so each instance is traceable
            annotations.append(dict(
                id=len(annotations) + 1, image_id=img_id,
                category_id=cat_id, bbox=[10 + 40 * k, 10 + img_id, 30, 20],
                area=600))
    counts = {c: (sum(ids.count(c) for ids in IMAGES.values()),
                  sum(c in ids for ids in IMAGES.values()))
              for c, _, _ in categories}
    cats = [dict(id=c, name=n, frequency=f, synset=f'{n}.n.01',
                 instance_count=counts[c][0], image_count=counts[c][1])
            for c, n, f in categories]
    data = dict(images=images, annotations=annotations, categories=cats)
    with open(path, 'w') as f:
        json.dump(data, f)
    return data


@pytest.fixture
def shuffled(tmp_path):
    path = str(tmp_path / 'shuffled.json')
    return path, _lvis_file(path)


def _dataset(path):
    return LVISDataset(ann_file=path, data_prefix=dict(img=''), pipeline=[])


def _instances(dataset, data):
    """(label, category dict) of every instance, matched by its box."""
    cats = {c['id']: c for c in data['categories']}
    by_box = {(a['image_id'], *a['bbox']): cats[a['category_id']]
              for a in data['annotations']}
    pairs = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        for inst in info['instances']:
            x1, y1, x2, y2 = inst['bbox']
            pairs.append((inst['bbox_label'],
                          by_box[(info['img_id'], x1, y1, x2 - x1, y2 - y1)]))
    return pairs


def test_dataset_labels_name_their_category_and_group(shuffled):
    """Each instance's label indexes its own name, frequency group and id."""
    path, data = shuffled
    dataset = _dataset(path)
    assert dataset.metainfo['classes'] == NAMES
    assert dataset.metainfo['frequency'] == FREQUENCY
    assert dataset.cat_ids == [10, 20, 30]
    pairs = _instances(dataset, data)
    assert len(pairs) == 7
    for label, cat in pairs:
        assert dataset.metainfo['classes'][label] == cat['name']
        assert dataset.metainfo['frequency'][label] == cat['frequency']
        assert dataset.cat_ids[label] == cat['id']
    assert sorted(label for label, _ in pairs) == [0, 0, 0, 0, 1, 1, 2]


def test_labels_are_mmdets_by_id(tmp_path):
    """On a file listed by id (LVIS v1) the labels are mmdet's own; on the
    shuffled file mmdet's label is the position in the file, ours the rank
    of the same category's id: file position 0 (id 30) is our label 2,
    position 1 (id 10) label 0, position 2 (id 20) label 1."""
    from mmdet.datasets import LVISV1Dataset

    def labels(dataset):
        return [x['bbox_label'] for i in range(len(dataset))
                for x in dataset.get_data_info(i)['instances']]

    for name, categories, to_ours in (('by_id', sorted(CATEGORIES),
                                       [0, 1, 2]),
                                      ('shuffled', CATEGORIES, [2, 0, 1])):
        path = str(tmp_path / f'{name}.json')
        _lvis_file(path, categories)
        theirs = labels(LVISV1Dataset(ann_file=path, data_prefix=dict(img=''),
                                      pipeline=[]))
        assert labels(_dataset(path)) == [to_ours[k] for k in theirs], name


def test_class_statistics_count_each_label_as_its_category(shuffled):
    """ClassStatistics from the dataset: counts by hand, and equal to the
    file's own image_count / instance_count of the label's category."""
    path, _ = shuffled
    dataset = _dataset(path)
    stats = dataset_class_statistics(dataset)
    np.testing.assert_array_equal(stats.instance_counts, INSTANCES)
    np.testing.assert_array_equal(stats.image_counts, IMAGE_COUNTS)
    assert stats.frequency.tolist() == list(FREQUENCY)
    assert stats.num_images == 3
    np.testing.assert_array_equal(stats.instance_counts,
                                  dataset.metainfo['instance_count'])
    np.testing.assert_array_equal(stats.image_counts,
                                  dataset.metainfo['image_count'])


def test_acsl_groups_of_training_targets(shuffled):
    """The groups ACSL receives through the hook are, per training target,
    the group of the target's category (f=2, c=1, r=0)."""
    path, data = shuffled
    dataset = _dataset(path)
    loss = AdaptiveClassSuppressionLoss(num_classes=3)
    runner = types.SimpleNamespace(
        model=nn.ModuleDict(dict(loss=loss)),
        train_dataloader=types.SimpleNamespace(dataset=dataset),
        logger=MMLogger.get_instance('test_category_order'))
    ClassStatisticsHook().before_train(runner)
    groups = dict(r=0, c=1, f=2)
    for label, cat in _instances(dataset, data):
        assert loss.frequency_group[label] == groups[cat['frequency']]


def test_metric_scores_ground_truth_fed_back_as_one(shuffled):
    """The dataset's own instances as predictions: AP 1.0 in every group."""
    path, _ = shuffled
    dataset = _dataset(path)
    metric = LVISMetric(ann_file=path, progress=False)
    metric.dataset_meta = dataset.metainfo
    samples = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        boxes = np.array([x['bbox'] for x in info['instances']], np.float32)
        labels = np.array([x['bbox_label'] for x in info['instances']])
        samples.append(dict(img_id=info['img_id'], pred_instances=dict(
            bboxes=boxes, labels=labels, scores=np.ones(len(labels)))))
    metric.process({}, samples)
    result = metric.evaluate(len(samples))
    for key in ('AP', 'AP50', 'APr', 'APc', 'APf'):
        assert result[f'lvis/bbox_{key}'] == pytest.approx(1.0), key
    # the metric's per-category columns are the labels
    assert metric.gt.cat_ids.tolist() == [10, 20, 30]
    assert metric.gt.cat_names == list(NAMES)
    assert metric.gt.frequency.tolist() == list(FREQUENCY)
    assert metric.gt.instance_counts.tolist() == INSTANCES


def test_duplicate_or_missing_category_ids_are_errors(tmp_path):
    path = str(tmp_path / 'dup.json')
    _lvis_file(path, CATEGORIES + [(10, 'apple2', 'r')])
    with pytest.raises(ValueError, match=r"dup\.json'.*id 10 is listed twice"):
        _dataset(path)
    with open(path) as f:
        data = json.load(f)
    with pytest.raises(ValueError, match='id 10 is listed twice'):
        LVISGroundTruth(data)
    with pytest.raises(ValueError, match='no integer "id"'):
        categories_by_id([dict(id='10', name='apple')])
    assert [c['id'] for c in categories_by_id(
        [dict(id=3), dict(id=1), dict(id=2)])] == [1, 2, 3]
