import numpy as np
import pytest

from lt_mm.core.long_tailed_counts import (long_tailed_counts,
                                           long_tailed_indices)
from lt_mm.core.shot_accuracy import shot_groups


def test_published_cifar_lt_sizes():
    # Training set sizes reported for the LDAM protocol.
    assert long_tailed_counts(100, 500, 100).sum() == 10847
    assert long_tailed_counts(100, 500, 50).sum() == 12608
    assert long_tailed_counts(100, 500, 10).sum() == 19573
    assert long_tailed_counts(10, 5000, 100).sum() == 12406
    assert long_tailed_counts(10, 5000, 10).sum() == 20431


def test_cifar100_lt_profile_ends_and_shot_groups():
    counts = long_tailed_counts(100, 500, 100)
    assert counts[0] == 500 and counts[-1] == 5
    assert (np.diff(counts) <= 0).all()
    # many / medium / few = 35 / 35 / 30 classes.
    assert np.bincount(shot_groups(counts)).tolist() == [35, 35, 30]


def test_hand_computed_profiles():
    # int(100 * 0.1 ** (i / 3)): 100, 46.4, 21.5, 10.0
    assert long_tailed_counts(4, 100, 10).tolist() == [100, 46, 21, 10]
    assert long_tailed_counts(4, 100, 10, 'step').tolist() == [
        100, 100, 10, 10
    ]
    assert long_tailed_counts(5, 7, 1).tolist() == [7] * 5
    assert long_tailed_counts(1, 7, 100).tolist() == [7]


@pytest.mark.parametrize('kwargs', [
    dict(num_classes=0, max_count=5, imbalance_ratio=2),
    dict(num_classes=3, max_count=0, imbalance_ratio=2),
    dict(num_classes=3, max_count=5, imbalance_ratio=0.5),
    dict(num_classes=3, max_count=5, imbalance_ratio=2, profile='linear'),
])
def test_bad_profile_arguments(kwargs):
    with pytest.raises(ValueError):
        long_tailed_counts(**kwargs)


def ldam_reference_selection(targets, img_num_per_cls, seed):
    """LDAM-DRW's gen_imbalanced_data, transcribed: global seed, classes in
    np.unique order, shuffle each class's indices and keep the first n."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        targets_np = np.array(targets, dtype=np.int64)
        kept = []
        for the_class, the_img_num in zip(np.unique(targets_np),
                                          img_num_per_cls):
            idx = np.where(targets_np == the_class)[0]
            np.random.shuffle(idx)
            kept.append(idx[:the_img_num])
        return np.concatenate(kept)
    finally:
        np.random.set_state(state)


def test_indices_match_reference_selection():
    rng = np.random.default_rng(3)
    labels = rng.permutation(np.repeat(np.arange(10), 40))
    counts = long_tailed_counts(10, 40, 20)
    keep = long_tailed_indices(labels, counts, seed=0)
    np.testing.assert_array_equal(
        keep, ldam_reference_selection(labels, counts, seed=0))
    assert np.bincount(labels[keep]).tolist() == counts.tolist()
    assert len(np.unique(keep)) == len(keep)
    # Another seed keeps other samples, with the same counts.
    other = long_tailed_indices(labels, counts, seed=1)
    assert not np.array_equal(np.sort(keep), np.sort(other))
    assert np.bincount(labels[other]).tolist() == counts.tolist()


def test_indices_do_not_touch_global_random_state():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    long_tailed_indices([0, 0, 1, 1], [2, 1], seed=0)
    assert np.random.rand() == expected


def test_indices_reject_short_classes_and_bad_labels():
    with pytest.raises(ValueError, match='class 1 has 1 samples'):
        long_tailed_indices([0, 0, 1], [2, 2])
    with pytest.raises(ValueError, match=r'\[0, 2\)'):
        long_tailed_indices([0, 2], [1, 1])
