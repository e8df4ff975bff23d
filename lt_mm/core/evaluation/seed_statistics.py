"""Run-to-run spread over seeds and paired differences with a t interval.

A study trains every method and its baseline with the same seeds. For one
metric, method values ``x_s`` and baseline values ``b_s`` over the seeds
``s`` both ran, the paired differences ``d_s = x_s - b_s`` give

    mean  d = (1 / n) sum_s d_s
    std   s_d = sqrt(sum_s (d_s - d)^2 / (n - 1))        (ddof = 1)
    CI    d -+ t_{(1 + c) / 2, n - 1} s_d / sqrt(n)

the two-sided ``c`` (0.95) confidence interval of the mean difference under
Student's t distribution with n - 1 degrees of freedom (Student, "The
probable error of a mean", Biometrika 1908). With 3 seeds,
t_{0.975, 2} = 4.303.

The t quantile is computed here, from the closed form of Student's t
distribution for an integer number of degrees of freedom (Abramowitz and
Stegun, Handbook of Mathematical Functions, 26.7.3 / 26.7.4) and bisection,
so results do not depend on whether scipy is installed.
"""
import math
from typing import Dict, Optional, Sequence

import numpy as np


def _valid(values: Sequence[float]) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f'expected a 1-d sequence, got shape {values.shape}')
    return values[np.isfinite(values)]


def mean_std(values: Sequence[float]) -> Dict[str, float]:
    """Mean and sample standard deviation (ddof = 1) of the finite values.

    Args:
        values (Sequence[float]): One value per seed; NaN is left out.

    Returns:
        dict: ``mean``, ``std`` (NaN for fewer than two values) and ``n``.
    """
    values = _valid(values)
    n = len(values)
    return dict(
        mean=float(values.mean()) if n else float('nan'),
        std=float(values.std(ddof=1)) if n > 1 else float('nan'),
        n=n)


def student_t_central_mass(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with ``df`` degrees of freedom.

    With theta = atan(t / sqrt(df)) (Abramowitz and Stegun 26.7.3 / 26.7.4):
    odd df: (2 / pi) (theta + sin(theta) cos(theta) (1 + 2/3 cos^2(theta) +
    ... + (2 4 ... (df - 3)) / (3 5 ... (df - 2)) cos^(df - 3)(theta)));
    even df: sin(theta) (1 + 1/2 cos^2(theta) + ... + (1 3 ... (df - 3)) /
    (2 4 ... (df - 2)) cos^(df - 2)(theta)).

    Args:
        t (float): A non-negative value.
        df (int): Degrees of freedom, >= 1.

    Returns:
        float: The probability mass of [-t, t].
    """
    if isinstance(df, bool) or not isinstance(df, (int, np.integer)) \
            or df < 1:
        raise ValueError(f'df must be a positive int, got {df!r}')
    if t < 0:
        raise ValueError(f't must be >= 0, got {t}')
    theta = math.atan(t / math.sqrt(df))
    sin, cos2 = math.sin(theta), math.cos(theta)**2
    if df % 2 == 1:
        total, term = 0.0, 1.0
        for k in range(1, (df - 1) // 2 + 1):
            total += term
            term *= cos2 * (2 * k) / (2 * k + 1)
        return 2 / math.pi * (theta + sin * math.cos(theta) * total)
    total, term = 0.0, 1.0
    for k in range(1, df // 2 + 1):
        total += term
        term *= cos2 * (2 * k - 1) / (2 * k)
    return sin * total


def t_quantile(confidence: float, df: int) -> float:
    """The t with P(|T| <= t) = ``confidence``: the two-sided interval's
    multiplier, i.e. the (1 + confidence) / 2 quantile.

    Args:
        confidence (float): In (0, 1), e.g. 0.95.
        df (int): Degrees of freedom, >= 1.

    Returns:
        float: t_{(1 + confidence) / 2, df} (4.3027 for 0.95 and df = 2).
    """
    if not 0 < confidence < 1:
        raise ValueError(f'confidence must be in (0, 1), got {confidence}')
    high = 1.0
    while student_t_central_mass(high, df) < confidence:
        high *= 2
    low = 0.0
    # bisection to float resolution (the mass increases with t)
    for _ in range(200):
        mid = (low + high) / 2
        if mid in (low, high):
            break
        if student_t_central_mass(mid, df) < confidence:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def paired_difference(values: Sequence[float],
                      baseline: Sequence[float],
                      confidence: float = 0.95) -> Dict[str, Optional[float]]:
    """Mean paired difference ``values - baseline`` with its t interval.

    Args:
        values (Sequence[float]): The method's value per seed.
        baseline (Sequence[float]): The baseline's value for the same seeds,
            in the same order; pairs where either is NaN are left out.
        confidence (float): Two-sided confidence of the interval. Defaults
            to 0.95.

    Returns:
        dict: ``mean``, ``std`` (ddof = 1) and ``n`` of the differences,
        ``t`` (the quantile used), ``low`` and ``high`` (the interval; NaN
        with fewer than two pairs).
    """
    values = np.asarray(values, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    if values.shape != baseline.shape or values.ndim != 1:
        raise ValueError('values and baseline must be 1-d and pair up, got '
                         f'shapes {values.shape} and {baseline.shape}')
    stats = mean_std(values - baseline)
    n = stats['n']
    if n < 2:
        return dict(stats, t=float('nan'), low=float('nan'),
                    high=float('nan'))
    t = t_quantile(confidence, n - 1)
    half = t * stats['std'] / math.sqrt(n)
    return dict(
        stats, t=t, low=stats['mean'] - half, high=stats['mean'] + half)
