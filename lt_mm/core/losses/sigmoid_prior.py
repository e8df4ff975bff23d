"""Bias that starts a sigmoid classifier at a prior probability.

Focal Loss (`Lin et al., ICCV 2017 <https://arxiv.org/abs/1708.02002>`_,
Sec. 4.1) starts every logit at

    b = -log((1 - p) / p),  so that sigmoid(b) = p,

and the sigmoid long-tail detectors do the same (EQL, EQL v2: p = 0.001;
ACSL: p = 0.01). With b = 0 each of the ~1200 negative channels of an LVIS
RoI costs log 2, and the first classification loss is ~835 per RoI instead of
a few units.
"""
import math


def prior_bias(prob: float) -> float:
    """The logit ``-log((1 - p) / p)`` whose sigmoid is ``prob``.

    Args:
        prob (float): The prior probability p, in (0, 1).

    Returns:
        float: The bias value.
    """
    if not 0 < prob < 1:
        raise ValueError(f'a prior probability must be in (0, 1), got {prob}')
    return -math.log((1 - prob) / prob)
