"""NorCal: post-hoc calibration of a detector's class scores by the training
image counts.

`On Model Calibration for Long-Tailed Object Detection and Instance
Segmentation <https://arxiv.org/abs/2107.02170>`_ (Pan et al., NeurIPS
2021). For one RoI with C foreground logits ``z_j`` and a last background
logit ``z_bg``::

    s_j  = exp(z_j) / N_j ** gamma     (j < C)
    s_bg = exp(z_bg)                   (the background is not reweighted)
    p_k  = s_k / sum over all C + 1 terms of s

``N_j`` is the number of training images that contain class ``j``; gamma is
tuned per model, and gamma = 0 is the plain softmax. It follows the authors'
code (tydpan/NorCal, projects/NorCal/norcal/roi_heads.py): the weights
``1 / N ** gamma`` (L64-L65), the 'exps' calibration their config selects
(configs/lvis_v0.5_mask_rcnn_R_50_FPN.yaml L9): exponentiated scores, the
foreground columns times the weights, each row divided by its sum (L102-L107),
and ``N`` the LVIS categories' training ``image_count`` (L76, L112-L122).
Their 'probs' variant (L99-L101, softmax first) gives the same numbers after
the renormalisation.

Here the same numbers come from a softmax over ``z_j - gamma * log N_j`` and
``z_bg`` (:func:`norcal_logits`), which does not overflow where their
``torch.exp`` of raw logits would. Any scores over the C + 1 terms that are
proportional to probabilities calibrate the same way through their
logarithm.

What the calibration keeps and what it changes:

- Before the renormalisation each class is scaled by a constant, so the
  order of the RoIs by ``s_j``, and by their odds against the background
  ``p_j / p_bg``, is the same as the model's within every class.
- The renormalisation divides each RoI by its own sum, so the order of RoIs
  by ``p_j`` within a class can change; that, and the per-image cap and
  score threshold, is how the calibration moves per-class AP (a constant per
  class alone would leave it unchanged).
- Within one RoI a class never falls behind a class with more training
  images that it led before.

A class seen in no training image (``N_j = 0``) has no calibrated score for
gamma > 0 (the authors' weights become ``inf`` and their scores NaN), so it
is refused.
"""
import math

import torch
from torch import Tensor

from .precision import at_least_float32


def norcal_log_weights(image_counts: Tensor, gamma: float) -> Tensor:
    """The logarithm of NorCal's foreground weights, ``-gamma * log N_j``.

    Args:
        image_counts (Tensor): (C,) training images containing each class.
        gamma (float): Calibration exponent, >= 0 (0 leaves scores as
            they are).

    Returns:
        Tensor: (C,) float64 log-weights (zeros for gamma = 0).
    """
    if isinstance(gamma, bool) or not isinstance(
            gamma, (int, float)) or not math.isfinite(gamma) or gamma < 0:
        raise ValueError(f'gamma must be a finite number >= 0, got {gamma!r}')
    counts = torch.as_tensor(image_counts, dtype=torch.float64)
    if counts.dim() != 1 or not len(counts):
        raise ValueError('image_counts must be one count per class, got '
                         f'shape {tuple(counts.shape)}')
    if not torch.isfinite(counts).all() or (counts < 0).any():
        raise ValueError('image_counts must be finite and >= 0')
    if gamma == 0:
        return torch.zeros_like(counts)
    unseen = (counts == 0).nonzero()
    if len(unseen):
        raise ValueError(
            f'class {int(unseen[0])} has no training images: NorCal divides '
            'its scores by image_count ** gamma, which is undefined for a '
            f'count of 0 ({len(unseen)} such classes); gamma > 0 needs every '
            'class in the training set')
    return counts.log().mul_(-gamma)


def norcal_logits(logits: Tensor, log_weights: Tensor) -> Tensor:
    """The log of NorCal's unnormalised scores: foreground logits plus
    their log-weights, the last (background) logit as it is.

    Args:
        logits (Tensor): (..., C + 1) logits, or log-scores, background
            last; half precision is computed in float32.
        log_weights (Tensor): (C,) from :func:`norcal_log_weights`.

    Returns:
        Tensor: (..., C + 1) ``log s``; its softmax is the calibrated
        score.
    """
    if logits.size(-1) != len(log_weights) + 1:
        raise ValueError(
            f'NorCal expects {len(log_weights) + 1} scores (C = '
            f'{len(log_weights)} classes and the background, last), got '
            f'{logits.size(-1)}')
    logits = at_least_float32(logits)
    offsets = torch.cat([log_weights, log_weights.new_zeros(1)])
    return logits + offsets.to(logits)


def norcal_scores(logits: Tensor, image_counts: Tensor,
                  gamma: float) -> Tensor:
    """NorCal's calibrated scores over the C classes and the background.

    Args:
        logits (Tensor): (..., C + 1) logits, background last.
        image_counts (Tensor): (C,) training images containing each class.
        gamma (float): Calibration exponent, >= 0.

    Returns:
        Tensor: (..., C + 1) probabilities, background last; for gamma = 0
        ``softmax(logits)``.
    """
    log_weights = norcal_log_weights(image_counts, gamma)
    return norcal_logits(logits, log_weights).softmax(-1)
