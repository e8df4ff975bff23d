import numpy as np
import pytest

from lt_mm.core.bilevel_sampling import draw_episodes
from lt_mm.core.label_index import LabelIndex


def class_image_index(per_image, num_classes):
    return LabelIndex.from_lists(per_image).class_images(num_classes)


def test_class_image_index_hand_case():
    # image 0: two instances of 1; image 1: none; image 2: 0 and 1
    index = class_image_index([[1, 1], [], [0, 1], [3]], num_classes=5)
    assert [i.tolist() for i in index] == [[2], [0, 2], [], [3], []]
    assert all(i.dtype == np.int64 for i in index)


def test_class_image_index_rejects_bad_input():
    with pytest.raises(ValueError, match='offsets'):
        LabelIndex(np.array([0, 1]), np.array([0, 1]))
    with pytest.raises(ValueError, match='labels'):
        class_image_index([[0, 5]], num_classes=3)


def long_tailed_index(rng):
    """30 classes, class c in about 2^(c / 3) of 2000 images; 2 absent."""
    per_image = [[] for _ in range(2000)]
    for c in range(28):
        for i in rng.choice(2000, max(1, int(2**(c / 3))), replace=False):
            per_image[i].append(c)
    return per_image, class_image_index(per_image, 30)


def test_episodes_are_balanced_over_classes_not_images():
    rng = np.random.default_rng(0)
    per_image, index = long_tailed_index(rng)
    images, classes = draw_episodes(
        index, 3000, classes_per_episode=4, images_per_class=2, rng=rng)
    assert len(images) == len(classes) == 3000 * 4 * 2
    # every image holds the class it was drawn for
    assert all(c in per_image[i] for i, c in zip(images, classes))
    # classes uniform over the 28 present ones: 24000 / 28 = 857 each,
    # binomial sd 29; the absent classes 28 and 29 never come
    counts = np.bincount(classes, minlength=30)
    assert counts[28:].sum() == 0
    assert np.abs(counts[:28] - 24000 / 28).max() < 5 * 29
    # the images of a class are drawn uniformly, with replacement: class 9
    # is in 8 images, each expected counts[9] / 8 times (sd about 10)
    drawn, times = np.unique(images[classes == 9], return_counts=True)
    assert np.array_equal(drawn, index[9]) and len(drawn) == 8
    assert np.abs(times - counts[9] / 8).max() < 5 * 10


def test_classes_are_drawn_with_replacement_and_images_repeat_class():
    """twangnh/SimCal, mmdet/datasets/loader/sampler.py L87: the episode's
    classes come from ``np.random.choice(classes, nc, p=...)``, whose
    default is ``replace=True``. Of C = 28 classes, nc = 16 independent
    uniform draws hold on average C (1 - (1 - 1/C)^nc) = 12.35 distinct
    classes (sd 1.33 per episode), all 16 distinct with probability
    prod_k (C - k) / C = 0.0045; drawn without replacement they would always
    hold 16."""
    rng = np.random.default_rng(1)
    _, index = long_tailed_index(rng)
    _, classes = draw_episodes(index, 400, 16, 3, rng=rng)
    episodes = classes.reshape(400, 16, 3)
    assert (episodes == episodes[:, :, :1]).all()
    distinct = np.array([len(set(e[:, 0])) for e in episodes])
    expected = 28 * (1 - (27 / 28)**16)
    assert expected == pytest.approx(12.35, abs=0.01)
    assert abs(distinct.mean() - expected) < 5 * 1.33 / np.sqrt(400)
    assert (distinct == 16).sum() <= 6


def test_few_classes_are_drawn_with_replacement():
    index = class_image_index([[0], [1], [0, 1]], 3)
    images, classes = draw_episodes(index, 10, 4, 1,
                                    rng=np.random.default_rng(0))
    assert set(classes) == {0, 1}
    assert len(classes) == 40


def test_episodes_depend_only_on_the_seed():
    _, index = long_tailed_index(np.random.default_rng(2))
    a = draw_episodes(index, 5, 4, 2, rng=np.random.default_rng(7))
    b = draw_episodes(index, 5, 4, 2, rng=np.random.default_rng(7))
    c = draw_episodes(index, 5, 4, 2, rng=np.random.default_rng(8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_draw_episodes_rejects_bad_input():
    index = class_image_index([[0]], 2)
    with pytest.raises(ValueError, match='classes_per_episode'):
        draw_episodes(index, 1, 0)
    with pytest.raises(ValueError, match='num_episodes'):
        draw_episodes(index, 1.5)
    with pytest.raises(ValueError, match='no class'):
        draw_episodes([np.array([], dtype=np.int64)] * 2, 1)
