import numpy as np
import pytest

from lt_mm.core.label_index import LabelIndex
from lt_mm.core.sampling import (class_aware_sample, class_repeat_factors,
                                 class_sampling_weights,
                                 expected_epoch_length,
                                 progressive_class_weights, repeat_factors,
                                 reversed_class_weights, round_repeat_factors)


def index(labels_per_sample):
    return LabelIndex.from_lists(labels_per_sample)


def within_binomial(observed, trials, prob, sigmas=5.0):
    mean = trials * prob
    std = np.sqrt(trials * prob * (1 - prob))
    return np.all(np.abs(observed - mean) <= sigmas * std + 1e-9)


def test_repeat_factors_hand_case():
    # 8 images; class 0 in 6 of them, class 1 in 2, class 2 in 1, class 3
    # only twice in one image (counted once); the last image has no labels.
    labels = index([[0, 0], [0, 1], [0], [0, 2], [0], [0, 1], [3, 3], []])
    t = 0.5
    r = {c: max(1.0, np.sqrt(t / (n / 8))) for c, n in
         {0: 6, 1: 2, 2: 1, 3: 1}.items()}
    expected = [r[0], r[1], r[0], r[2], r[0], r[1], r[3], 1.0]
    np.testing.assert_allclose(repeat_factors(labels, t), expected)
    assert r[0] == 1.0 and r[2] == 2.0
    np.testing.assert_array_equal(labels.class_image_counts(5),
                                  [6, 2, 1, 1, 0])


def test_class_repeat_factors_unseen_class_is_one():
    np.testing.assert_allclose(
        class_repeat_factors([0, 1, 100], 100, 0.04), [1.0, 2.0, 1.0])
    with pytest.raises(ValueError, match='repeat_thr'):
        class_repeat_factors([1], 10, 0.0)


def test_bad_label_index_is_rejected():
    with pytest.raises(ValueError, match='offsets'):
        LabelIndex(np.array([0, 1]), np.array([0, 1]))
    with pytest.raises(ValueError, match='>= 0'):
        LabelIndex(np.array([-1]), np.array([0, 1]))


def test_ceil_rounding():
    np.testing.assert_array_equal(
        round_repeat_factors(np.array([1.0, 1.01, 2.0, 2.5]), 'ceil'),
        [1, 2, 2, 3])
    with pytest.raises(ValueError, match='rounding'):
        round_repeat_factors(np.array([1.0]), 'floor')
    with pytest.raises(ValueError, match='>= 1'):
        round_repeat_factors(np.array([0.5]), 'ceil')


def test_stochastic_rounding_fixed_length_and_marginals():
    rng = np.random.default_rng(0)
    factors = 1 + rng.random(60) * 3
    factors[:10] = np.floor(factors[:10])  # whole factors never vary
    length = expected_epoch_length(factors)
    floor = np.floor(factors).astype(int)
    frac = factors - floor
    num_extra = length - floor.sum()
    prob = frac * num_extra / frac.sum()
    assert prob.max() < 1  # no clipping: p_i is the rescaled frac_i
    epochs = 4000
    extra = np.zeros(len(factors))
    for _ in range(epochs):
        copies = round_repeat_factors(factors, 'stochastic', rng)
        assert copies.sum() == length
        assert np.all((copies == floor) | (copies == floor + 1))
        extra += copies - floor
    assert np.all(extra[:10] == 0)
    assert within_binomial(extra, epochs, prob)
    # The rescaling to a whole number of extra copies is small.
    assert abs(num_extra / frac.sum() - 1) <= 0.5 / frac.sum()


def test_stochastic_rounding_needs_rng():
    with pytest.raises(ValueError, match='rng'):
        round_repeat_factors(np.array([1.5]), 'stochastic')


def test_class_sampling_weights_hand_case():
    counts = np.array([1, 4, 0, 16])
    np.testing.assert_allclose(
        class_sampling_weights(counts, 1), [1 / 21, 4 / 21, 0, 16 / 21])
    np.testing.assert_allclose(
        class_sampling_weights(counts, 0.5), [1 / 7, 2 / 7, 0, 4 / 7])
    np.testing.assert_allclose(
        class_sampling_weights(counts, 0), [1 / 3, 1 / 3, 0, 1 / 3])
    inv = np.array([1, 1 / 4, 0, 1 / 16])
    np.testing.assert_allclose(reversed_class_weights(counts),
                               inv / inv.sum())
    with pytest.raises(ValueError, match='no class'):
        class_sampling_weights(np.zeros(3), 0)


def test_progressive_weights_interpolate():
    counts = np.array([1, 3])
    np.testing.assert_allclose(
        progressive_class_weights(counts, 0, 4), [0.25, 0.75])
    np.testing.assert_allclose(
        progressive_class_weights(counts, 4, 4), [0.5, 0.5])
    np.testing.assert_allclose(
        progressive_class_weights(counts, 1, 4),
        0.75 * np.array([0.25, 0.75]) + 0.25 * np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match='outside'):
        progressive_class_weights(counts, 5, 4)


@pytest.mark.parametrize('q', [1.0, 0.5, 0.0, -1.0])
def test_class_aware_sample_single_label_frequencies(q):
    # Single-label samples: p_i ~ n_{y_i}^(q - 1).
    y = np.repeat([0, 1, 2, 3], [1, 5, 20, 80])
    labels = LabelIndex(y, np.arange(len(y) + 1))
    counts = np.bincount(y)
    size = 200_000
    drawn = class_aware_sample(labels,
                               class_sampling_weights(counts, q), size,
                               np.random.default_rng(1))
    p = counts[y]**(q - 1.0)
    p /= p.sum()
    assert within_binomial(np.bincount(drawn, minlength=len(y)), size, p)


def test_class_aware_sample_skips_unlabelled_and_checks_weights():
    labels = index([[0], [], [1, 1], [0, 1]])
    drawn = class_aware_sample(labels, [0.5, 0.5], 10_000,
                               np.random.default_rng(0))
    assert 1 not in drawn
    # Class 0 in samples 0 and 3, class 1 in 2 and 3 (counted once).
    freq = np.bincount(drawn, minlength=4) / 10_000
    np.testing.assert_allclose(freq, [0.25, 0, 0.25, 0.5], atol=0.03)
    with pytest.raises(ValueError, match='without samples'):
        class_aware_sample(labels, [0.5, 0.25, 0.25], 10,
                           np.random.default_rng(0))


def test_stochastic_rounding_holds_probabilities_at_one():
    # S = 1.6 rounds to 2 extra copies: 0.9 -> 1.125 would pass 1, so it is
    # held at 1 and 0.7 raised to 1 as well; nothing is picked twice.
    rng = np.random.default_rng(0)
    for _ in range(100):
        np.testing.assert_array_equal(
            round_repeat_factors(np.array([1.9, 1.7]), 'stochastic', rng),
            [2, 2])
    factors = np.array([1.9, 1.7, 2.1])  # S = 1.7: p = 1, 0.875, 0.125
    epochs = 4000
    extra = sum(
        round_repeat_factors(factors, 'stochastic', rng) - [1, 1, 2]
        for _ in range(epochs))
    assert within_binomial(extra, epochs, np.array([1 - 1e-9, 0.875, 0.125]))
