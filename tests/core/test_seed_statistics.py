"""lt_mm.core.evaluation.seed_statistics: spread over seeds, paired
differences and their t interval, against hand computations.

The interval is Student's (Biometrika 1908): mean difference +-
t_{0.975, n-1} s_d / sqrt(n); the quantiles are those of printed t tables
(e.g. NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2, "Critical
values of the Student's t distribution", upper tail 0.025) and, where
installed, scipy.stats.t.ppf (scipy/scipy, scipy/stats/_continuous_distns.py
``t_gen``).
"""
import math

import numpy as np
import pytest

from lt_mm.core.evaluation.seed_statistics import (mean_std,
                                                   paired_difference,
                                                   student_t_central_mass,
                                                   t_quantile)

# t_{0.975, df} of the printed tables
T_TABLE = {2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365,
           8: 2.306, 9: 2.262, 10: 2.228, 20: 2.086, 30: 2.042}


def test_t_quantiles_match_the_printed_table_and_closed_forms():
    for df, t in T_TABLE.items():
        assert t_quantile(0.95, df) == pytest.approx(t, abs=5e-4), df
    # df = 1 (Cauchy): P(|T| <= t) = (2 / pi) atan(t), t = tan(0.95 pi / 2)
    assert t_quantile(0.95, 1) == pytest.approx(
        math.tan(0.95 * math.pi / 2), rel=1e-9)
    # df = 2: P(|T| <= t) = t / sqrt(2 + t^2), t = c sqrt(2 / (1 - c^2))
    assert t_quantile(0.95, 2) == pytest.approx(
        0.95 * math.sqrt(2 / (1 - 0.95**2)), rel=1e-9)
    assert student_t_central_mass(4.302652729749464, 2) == \
        pytest.approx(0.95, abs=1e-12)


def test_t_quantiles_match_scipy():
    stats = pytest.importorskip('scipy.stats')
    for df in (1, 2, 3, 4, 5, 7, 12, 31, 100):
        for confidence in (0.8, 0.95, 0.99):
            assert t_quantile(confidence, df) == pytest.approx(
                stats.t.ppf((1 + confidence) / 2, df), rel=1e-9)


def test_paired_difference_by_hand_for_three_seeds():
    """Baseline APr 0.30 / 0.35 / 0.40, method 0.36 / 0.38 / 0.49:
    differences 0.06 / 0.03 / 0.09, mean 0.06, s_d = sqrt((0 + 0.03^2 +
    0.03^2) / 2) = 0.03, half width 4.303 * 0.03 / sqrt(3) = 0.074525."""
    d = paired_difference([0.36, 0.38, 0.49], [0.30, 0.35, 0.40])
    assert d['n'] == 3
    assert d['mean'] == pytest.approx(0.06)
    assert d['std'] == pytest.approx(0.03)
    assert d['t'] == pytest.approx(4.303, abs=5e-4)
    half = 4.302653 * 0.03 / math.sqrt(3)
    assert half == pytest.approx(0.074525, abs=1e-6)
    assert d['low'] == pytest.approx(0.06 - half, abs=1e-6)
    assert d['high'] == pytest.approx(0.06 + half, abs=1e-6)
    assert mean_std([0.30, 0.35, 0.40]) == dict(
        mean=pytest.approx(0.35), std=pytest.approx(0.05), n=3)


def test_missing_values_and_single_pairs():
    # a NaN on either side drops the pair; std uses ddof = 1
    d = paired_difference([0.5, np.nan, 0.7, 0.4], [0.4, 0.3, np.nan, 0.2])
    assert d['n'] == 2
    assert d['mean'] == pytest.approx(0.15)
    assert d['std'] == pytest.approx(math.sqrt(2 * 0.05**2))
    assert d['t'] == pytest.approx(12.706, abs=5e-4)
    one = paired_difference([0.5], [0.4])
    assert one['mean'] == pytest.approx(0.1) and one['n'] == 1
    assert all(math.isnan(one[k]) for k in ('std', 't', 'low', 'high'))
    empty = mean_std([np.nan])
    assert empty['n'] == 0 and math.isnan(empty['mean'])


@pytest.mark.parametrize('call, message', [
    (lambda: t_quantile(1.0, 2), 'confidence'),
    (lambda: t_quantile(0.95, 0), 'df'),
    (lambda: student_t_central_mass(1.0, 2.5), 'df'),
    (lambda: paired_difference([0.1, 0.2], [0.1]), 'pair up'),
])
def test_bad_arguments_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()
