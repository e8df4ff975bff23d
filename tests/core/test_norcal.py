"""NorCal's calibration (lt_mm.core.norcal) against the authors' recipe,
tydpan/NorCal at 23e5ab6, projects/NorCal/norcal/roi_heads.py: weights
``1 / N ** gamma`` (L64-L65) from the LVIS categories' training
``image_count`` (L76, L112-L122); the 'exps' calibration (L102-L104:
``exp(scores)``, the foreground columns, all but the last, times the
weights) renormalised per RoI (L106-L107)."""
import math

import pytest
import torch

from lt_mm.core.norcal import norcal_log_weights, norcal_logits, norcal_scores

COUNTS = torch.tensor([1., 100., 4.])


def authors_recipe(logits, counts, gamma):
    """roi_heads.py L102-L107 in plain Python, one RoI at a time."""
    rows = []
    for z in logits.tolist():
        s = [math.exp(v) / n**gamma for v, n in zip(z[:-1], counts.tolist())]
        s.append(math.exp(z[-1]))
        rows.append([v / sum(s) for v in s])
    return torch.tensor(rows)


def test_scores_by_hand():
    """C = 3, N = (1, 100, 4), gamma = 0.5: s = (e^1 / 1, e^2 / 10,
    e^0.5 / 2, e^0) = (2.718282, 0.738906, 0.824361, 1) over their sum
    5.281548; the second RoI likewise."""
    z = torch.tensor([[1.0, 2.0, 0.5, 0.0], [-1.0, 3.0, 0.0, 2.0]])
    p = norcal_scores(z, COUNTS, 0.5)
    torch.testing.assert_close(
        p,
        torch.tensor([[0.5146752, 0.1399032, 0.1560831, 0.1893384],
                      [0.0358365, 0.1956608, 0.0487069, 0.7197958]]))
    torch.testing.assert_close(p, authors_recipe(z, COUNTS, 0.5))
    torch.testing.assert_close(p.sum(-1), torch.ones(2))


def test_the_authors_recipe_on_random_logits():
    """roi_heads.py L102-L107 for several gammas and LVIS-sized counts."""
    g = torch.Generator().manual_seed(0)
    z = torch.randn(50, 7, generator=g, dtype=torch.float64) * 3
    counts = torch.tensor([1., 3., 10., 95., 1200., 23000.],
                          dtype=torch.float64)
    for gamma in (0.1, 0.6, 1.0, 1.7):
        torch.testing.assert_close(
            norcal_scores(z, counts, gamma),
            authors_recipe(z, counts, gamma).double())


def test_gamma_zero_is_exactly_the_softmax():
    """N ** 0 = 1 (roi_heads.py L65; the default GAMMA 0.0,
    projects/NorCal/norcal/config.py L8): bit for bit F.softmax, even with
    a class seen in no image."""
    z = torch.randn(20, 4, generator=torch.Generator().manual_seed(1))
    for counts in (COUNTS, torch.tensor([0., 7., 3.])):
        assert torch.equal(norcal_scores(z, counts, 0.0), z.softmax(-1))
        assert torch.equal(norcal_scores(z, counts, 0), z.softmax(-1))


def test_background_is_untouched_before_renormalisation():
    """L104 multiplies the columns ``[:, :-1]`` only: the background logit
    (last) passes as it is, the foreground ones shift by -gamma log N."""
    z = torch.randn(6, 4, generator=torch.Generator().manual_seed(2))
    log_s = norcal_logits(z, norcal_log_weights(COUNTS, 0.8))
    assert torch.equal(log_s[:, -1], z[:, -1])
    torch.testing.assert_close(log_s[:, :-1],
                               z[:, :-1] - 0.8 * COUNTS.log())


def test_order_within_a_class_before_renormalisation_and_against_background():
    """Each class is scaled by a constant (L104), so within a class the
    RoIs keep their order by the unnormalised score exp(z_j) / N_j^gamma and
    by their odds against the background p_j / p_bg."""
    z = torch.randn(200, 4, generator=torch.Generator().manual_seed(3)) * 2
    log_s = norcal_logits(z, norcal_log_weights(COUNTS, 1.2))
    p, p0 = norcal_scores(z, COUNTS, 1.2), z.softmax(-1)
    for j in range(3):
        assert torch.equal(log_s[:, j].argsort(), z[:, j].argsort())
        odds, odds0 = p[:, j] / p[:, -1], p0[:, j] / p0[:, -1]
        assert torch.equal(odds.argsort(), odds0.argsort())


def test_renormalisation_can_reorder_a_class():
    """What moves per-class AP: each RoI is divided by its own sum
    (L106-L107). RoI a puts its mass on the frequent class 1 (N = 100), RoI
    b on the background; class 0 ranks b first before NorCal and a first
    after it, once class 1's share is divided by 100^gamma."""
    z = torch.tensor([[0.0, 5.0, 0.0, -10.0], [0.0, -10.0, 0.0, 1.0]])
    before = z.softmax(-1)[:, 0]
    after = norcal_scores(z, COUNTS, 2.0)[:, 0]
    assert before[1] > before[0] and after[0] > after[1]


def test_a_class_never_falls_behind_a_more_frequent_one_in_a_roi():
    """p_i / p_j changes by (N_j / N_i)^gamma (L104): a class keeps every
    lead it had over classes with at least as many training images."""
    z = torch.randn(500, 4, generator=torch.Generator().manual_seed(4)) * 2
    p0, p = z.softmax(-1), norcal_scores(z, COUNTS, 0.7)
    for i in range(3):
        for j in range(3):
            if COUNTS[i] <= COUNTS[j]:
                led = p0[:, i] >= p0[:, j]
                assert (p[led, i] >= p[led, j]).all()


def test_large_logits_do_not_overflow():
    """The authors' torch.exp of raw logits (L103) overflows float32 above
    88; the softmax form gives the same numbers without it."""
    z = torch.tensor([[100.0, 90.0, 0.0, 95.0]])
    p = norcal_scores(z, COUNTS, 0.5)
    assert torch.isfinite(p).all()
    torch.testing.assert_close(p, authors_recipe(z.double(), COUNTS, 0.5)
                               .float())


def test_half_precision_logits_are_calibrated_in_float32():
    z = torch.randn(5, 4, generator=torch.Generator().manual_seed(5))
    p = norcal_scores(z.half(), COUNTS, 0.5)
    assert p.dtype == torch.float32
    torch.testing.assert_close(p, norcal_scores(z.half().float(), COUNTS,
                                                0.5))


def test_a_class_without_training_images_is_refused():
    """1 / 0 ** gamma is inf for gamma > 0 (L65), and the authors' scores
    NaN (inf * exp, then inf / inf); a class the training set never showed
    has no calibrated score, so it is an error naming the class."""
    with pytest.raises(ValueError, match='class 1 has no training images.*'
                       r'\(2 such classes\)'):
        norcal_log_weights(torch.tensor([5., 0., 0.]), 0.5)


@pytest.mark.parametrize('gamma', [-0.5, float('nan'), float('inf'), '1',
                                   True])
def test_bad_gamma_is_refused(gamma):
    with pytest.raises(ValueError, match='gamma must be a finite number'):
        norcal_log_weights(COUNTS, gamma)


@pytest.mark.parametrize('counts', [
    torch.tensor([1., -2., 3.]),
    torch.tensor([1., float('nan'), 3.]),
    torch.tensor([[1., 2., 3.]]),
    torch.tensor([]),
])
def test_bad_counts_are_refused(counts):
    with pytest.raises(ValueError, match='image_counts must be'):
        norcal_log_weights(counts, 0.5)


def test_logits_must_be_c_plus_one():
    with pytest.raises(ValueError, match=r'expects 4 scores \(C = 3 '
                       r'classes and the background, last\), got 3'):
        norcal_scores(torch.zeros(2, 3), COUNTS, 0.5)
