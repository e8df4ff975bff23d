import numpy as np
import pytest

pytest.importorskip('mmpretrain')
pytest.importorskip('sklearn')

from lt_mm.cls.datasets import DigitsLT  # noqa: E402
from lt_mm.core.long_tailed_counts import long_tailed_counts  # noqa: E402
from lt_mm.core.shot_accuracy import shot_groups  # noqa: E402
from lt_mm.datasets import dataset_class_statistics  # noqa: E402


def infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def test_train_split_follows_the_ldam_profile():
    train = DigitsLT(split='train')
    counts = dataset_class_statistics(train).instance_counts
    # 124 = the smallest class (digit 8: 174 images) less 50 test images.
    assert counts.tolist() == long_tailed_counts(10, 124, 50).tolist()
    assert counts.tolist() == [124, 80, 51, 33, 21, 14, 9, 5, 3, 2]
    # The digits configs' thresholds (> 40, < 10) split 3 / 3 / 4.
    assert np.bincount(shot_groups(counts, 40, 10)).tolist() == [3, 3, 4]
    assert train.metainfo['classes'] == tuple('0123456789')


def test_test_split_is_balanced_disjoint_and_deterministic():
    from sklearn.datasets import load_digits
    digits = load_digits()
    train, test = infos(DigitsLT(split='train')), infos(DigitsLT(split='test'))
    assert np.bincount([x['gt_label'] for x in test]).tolist() == [50] * 10
    train_ids = {x['source_index'] for x in train}
    test_ids = {x['source_index'] for x in test}
    assert len(train_ids) == len(train) and not train_ids & test_ids
    for x in train[:20] + test[:20]:
        i = x['source_index']
        assert x['gt_label'] == digits.target[i]
        assert x['img'].dtype == np.uint8 and x['img'].shape == (8, 8)
        np.testing.assert_array_equal(
            x['img'], np.minimum(digits.images[i] * 16, 255))
    again = infos(DigitsLT(split='train'))
    assert [x['source_index'] for x in again] == [
        x['source_index'] for x in train
    ]
    other = infos(DigitsLT(split='train', seed=1))
    assert {x['source_index'] for x in other} != train_ids


def test_arguments():
    assert len(DigitsLT(split='train', imbalance_ratio=1)) == 1240
    assert len(DigitsLT(split='test', test_per_class=10)) == 100
    with pytest.raises(ValueError, match='split'):
        DigitsLT(split='val')
    with pytest.raises(ValueError, match='too few'):
        DigitsLT(test_per_class=174)
