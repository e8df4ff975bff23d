import math

import numpy as np
import pytest
import torch

from lt_mm.core.shot_accuracy import (relative_accuracy, shot_accuracy,
                                      shot_groups)

pytest.importorskip('mmpretrain')


def test_group_boundaries():
    # > 100 many, 20..100 medium, < 20 few.
    assert shot_groups([101, 100, 20, 19, 0]).tolist() == [0, 1, 1, 2, 2]
    assert shot_groups([41, 40, 10, 9], 40, 10).tolist() == [0, 1, 1, 2]
    with pytest.raises(ValueError, match='must not exceed'):
        shot_groups([5], many_threshold=10, few_threshold=20)
    with pytest.raises(ValueError, match='negative'):
        shot_groups([-1])


def test_hand_computed_shot_accuracy():
    train_counts = [500, 200, 50, 30, 5]  # many, many, medium, medium, few
    gt = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    pred = [0, 0, 1, 0, 2, 0, 0, 0, 4, 0]
    result = shot_accuracy(pred, gt, train_counts)
    assert result['top1'] == pytest.approx(50.0)
    assert result['many'] == pytest.approx(75.0)  # classes 100 %, 50 %
    assert result['medium'] == pytest.approx(25.0)  # 50 %, 0 %
    assert result['few'] == pytest.approx(50.0)


def test_group_accuracy_is_mean_over_classes():
    # Class 0 has 1 test sample, class 1 has 3: the class mean (50) differs
    # from the sample mean (25) on an unbalanced test set.
    result = shot_accuracy([0, 0, 0, 0], [0, 1, 1, 1], [300, 200])
    assert result['many'] == pytest.approx(50.0)
    assert result['top1'] == pytest.approx(25.0)


def test_empty_group_is_nan_and_untested_class_ignored():
    result = shot_accuracy([0, 1], [0, 1], [500, 300, 5])
    assert result['top1'] == 100.0 and result['many'] == 100.0
    assert math.isnan(result['medium'])
    assert math.isnan(result['few'])  # class 2 has no test sample


def test_bad_shot_accuracy_input():
    with pytest.raises(ValueError, match='outside'):
        shot_accuracy([0], [3], [10, 10])
    with pytest.raises(ValueError, match='predictions'):
        shot_accuracy([0, 1], [0], [10, 10])
    with pytest.raises(ValueError, match='no test samples'):
        shot_accuracy([], [], [10, 10])


def test_relative_accuracy_reproduces_survey_table4():
    # Softmax on ImageNet-LT: Acc 45.5, UA 57.3 -> RA 79.4 (90 epochs);
    # Acc 46.8, UA 57.8 -> RA 81.0 (200 epochs).
    assert relative_accuracy(45.5, 57.3) == pytest.approx(79.4, abs=0.05)
    assert relative_accuracy(46.8, 57.8) == pytest.approx(81.0, abs=0.05)
    # A_u = max(A_v, A_b): UNO-IC's 58.6 upper reference, RA 79.9.
    assert relative_accuracy(46.8, (57.8, 58.6)) == pytest.approx(79.9,
                                                                 abs=0.05)
    with pytest.raises(ValueError, match='positive'):
        relative_accuracy(40.0, 0.0)


def _samples(pred_scores, gt):
    from mmpretrain.structures import DataSample
    return [
        DataSample().set_pred_score(torch.tensor(s)).set_pred_label(
            int(np.argmax(s))).set_gt_label(int(g))
        for s, g in zip(pred_scores, gt)
    ]


def test_metric_matches_core_and_mmpretrain_accuracy():
    from mmpretrain.evaluation import Accuracy

    from lt_mm.cls.evaluation import ShotAccuracy
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 5, 60)
    scores = rng.random((60, 5)).astype(np.float32)
    train_counts = [500, 120, 60, 25, 3]
    metric = ShotAccuracy(train_counts=train_counts, reference_accuracy=80.)
    metric.dataset_meta = dict(classes=list('abcde'))
    reference = Accuracy(topk=(1, ))
    for start in range(0, 60, 16):
        batch = [s.to_dict() for s in _samples(scores[start:start + 16],
                                               gt[start:start + 16])]
        metric.process(None, batch)
        reference.process(None, batch)
    result = metric.evaluate(60)
    expected = shot_accuracy(scores.argmax(1), gt, train_counts)
    assert set(result) == {
        'lt/top1', 'lt/many', 'lt/medium', 'lt/few', 'lt/relative'
    }
    for key in ('top1', 'many', 'medium', 'few'):
        assert result[f'lt/{key}'] == pytest.approx(expected[key])
    assert result['lt/top1'] == pytest.approx(
        reference.evaluate(60)['accuracy/top1'])
    assert result['lt/relative'] == pytest.approx(expected['top1'] / 0.8)


def test_metric_counts_the_unwrapped_training_dataset():
    from lt_mm.cls.evaluation import ShotAccuracy
    train = dict(type='lt_mm.DigitsLT', split='train')
    metric = ShotAccuracy(
        train_dataset=dict(
            type='ClassBalancedDataset', oversample_thr=0.5, dataset=train),
        many_threshold=40,
        few_threshold=10)
    assert metric.train_counts.tolist() == [
        124, 80, 51, 33, 21, 14, 9, 5, 3, 2
    ]
    samples = _samples(np.eye(10, dtype=np.float32), list(range(10)))
    metric.process(None, [s.to_dict() for s in samples])
    assert metric.evaluate(10) == {
        'lt/top1': 100.0, 'lt/many': 100.0, 'lt/medium': 100.0,
        'lt/few': 100.0
    }


def test_metric_arguments_are_checked():
    from lt_mm.cls.evaluation import ShotAccuracy
    with pytest.raises(ValueError, match='exactly one'):
        ShotAccuracy()
    with pytest.raises(ValueError, match='exactly one'):
        ShotAccuracy(train_counts=[1], train_dataset=dict(type='x'))
    with pytest.raises(ValueError, match='positive'):
        ShotAccuracy(train_counts=[1], reference_accuracy=-1)
    # Scores alone are enough: their argmax is the prediction.
    metric = ShotAccuracy(train_counts=[10, 10])
    metric.process(None, [
        dict(pred_score=torch.tensor([0.2, 0.8]), gt_label=torch.tensor([1]))
    ])
    assert metric.evaluate(1)['lt/top1'] == 100.0
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    metric.process(None, [s.to_dict() for s in _samples([[1., 0.]], [0])])
    with pytest.raises(ValueError, match='3 classes'):
        metric.evaluate(1)


def test_training_hands_the_runners_counts_to_the_metric():
    """While a runner trains, ShotAccuracy counts the runner's own training
    set, handed over by ClassStatisticsHook, and builds no second one (its
    ``train_dataset`` here could not be built). The authors count the
    training loader of the run itself: facebookresearch/classifier-balancing,
    utils.py L69-L74 (``shot_acc``: ``train_data.dataset.labels``). DigitsLT's
    training split has 124, 80, ..., 2 samples per class (LDAM's profile,
    tests/cls/test_digits_lt.py), each counted once under the
    ClassBalancedDataset that repeats them."""
    from types import SimpleNamespace

    from mmengine.dataset import ClassBalancedDataset
    from mmengine.logging import MMLogger

    from lt_mm.cls.datasets import DigitsLT
    from lt_mm.cls.evaluation import ShotAccuracy
    from lt_mm.engine import ClassStatisticsHook
    metric = ShotAccuracy(
        train_dataset=dict(type='lt_mm.NoSuchDataset'),
        many_threshold=40,
        few_threshold=10)
    runner = SimpleNamespace(
        model=torch.nn.Linear(2, 2),
        train_dataloader=SimpleNamespace(
            dataset=ClassBalancedDataset(
                DigitsLT(split='train'), oversample_thr=0.5)),
        val_loop=SimpleNamespace(evaluator=SimpleNamespace(metrics=[metric])),
        logger=MMLogger.get_instance('test_shot_accuracy'))
    ClassStatisticsHook().before_train(runner)
    assert metric.train_counts.tolist() == [
        124, 80, 51, 33, 21, 14, 9, 5, 3, 2
    ]
    samples = _samples(np.eye(10, dtype=np.float32), list(range(10)))
    metric.process(None, [s.to_dict() for s in samples])
    assert metric.evaluate(10)['lt/few'] == 100.0


def test_given_train_counts_win_over_the_runners():
    from lt_mm.cls.evaluation import ShotAccuracy
    from lt_mm.core import ClassStatistics
    metric = ShotAccuracy(train_counts=[5, 500])
    metric.set_class_statistics(ClassStatistics.from_labels([[0], [1]], 2))
    assert metric.train_counts.tolist() == [5, 500]
