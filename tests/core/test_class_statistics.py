import numpy as np
import pytest

from lt_mm.core import ClassStatistics, frequency_groups


def test_counts_by_hand():
    # image 0: two of class 0 and one of class 2; image 1: class 2;
    # image 2: nothing kept; image 3: class 0.
    stats = ClassStatistics.from_labels([[0, 0, 2], [2], [], [0]],
                                        num_classes=4)
    np.testing.assert_array_equal(stats.instance_counts, [3, 0, 2, 0])
    np.testing.assert_array_equal(stats.image_counts, [2, 0, 2, 0])
    assert stats.num_images == 3
    assert stats.num_classes == 4
    # a class with no image is rare
    assert stats.frequency.tolist() == ['r', 'r', 'r', 'r']


def test_frequency_groups_follow_lvis_rule():
    counts = np.array([0, 1, 10, 11, 100, 101, 5000])
    assert frequency_groups(counts).tolist() == [
        'r', 'r', 'r', 'c', 'c', 'f', 'f'
    ]


def test_given_frequency_is_kept_and_validated():
    stats = ClassStatistics.from_labels([[0], [1]], 2, frequency=['f', 'c'])
    assert stats.frequency.tolist() == ['f', 'c']
    with pytest.raises(ValueError, match='frequency'):
        ClassStatistics.from_labels([[0], [1]], 2, frequency=['f'])
    with pytest.raises(ValueError, match='frequency'):
        ClassStatistics.from_labels([[0], [1]], 2, frequency=['f', 'x'])


def test_matches_a_loop_on_random_data():
    rng = np.random.default_rng(0)
    labels = [rng.integers(0, 30, rng.integers(0, 6)) for _ in range(500)]
    stats = ClassStatistics.from_labels(labels, 30)
    images = np.zeros(30, int)
    for x in labels:
        images[np.unique(x)] += 1
    np.testing.assert_array_equal(stats.image_counts, images)
    np.testing.assert_array_equal(stats.instance_counts,
                                  np.bincount(np.concatenate(labels), None,
                                              30))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match='num_classes=3'):
        ClassStatistics.from_labels([[0, 3]], 3)
    with pytest.raises(ValueError, match='no labelled instances'):
        ClassStatistics.from_labels([[], []], 3)
    with pytest.raises(ValueError, match='positive'):
        ClassStatistics.from_labels([[0]], 0)
