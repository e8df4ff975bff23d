"""Shared by the finite-statistics tests: non-finite values and a catcher of
the warning they raise."""
import warnings

from lt_mm.core.finite_statistics import NonFiniteStatisticsWarning

NAN, INF = float('nan'), float('inf')


def caught(fn):
    """``fn()``'s result and the NonFiniteStatisticsWarnings it raised."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter('always')
        result = fn()
    return result, [
        r for r in records
        if issubclass(r.category, NonFiniteStatisticsWarning)
    ]
