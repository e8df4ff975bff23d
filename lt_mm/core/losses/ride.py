"""RIDE loss (Wang et al., "Long-tailed Recognition by Routing Diverse
Distribution-Aware Experts", ICLR 2021).

K experts share an early backbone; expert k gives logits z_k (cosines scaled
by s = 30) and the model predicts with the mean ``z = (1 / K) sum_k z_k``.
Each expert is trained with LDAM-DRW and pushed away from the ensemble by a
distribution-aware diversity term:

    L = sum_k [ a * L_LDAM(z_k, y; w) + f * T_bar^2 * KL(q || p_k) ],

    p_k = softmax(z_k / T),  q = softmax(z / T) (no gradient),

with the KL averaged over the batch, a = 1 (``base_loss_factor``) and the
diversity factor f = -0.45 on CIFAR-100-LT (negative: the experts are
rewarded for disagreeing with the ensemble). Until the re-weighting epoch
(160 of 200 on CIFAR, 0-indexed), w = 1 and T = T_0 (1.0); from then on w
are the class-balanced weights (beta 0.9999) and the temperature is per
class,

    T_j = T_0 * v_j / max_i v_i,   v_j = C * pi_j * r + 1 - r,

with pi the training prior and r = 0.05 (``reweight_factor``; 0.02 on
ImageNet-LT): head classes get the higher temperature. T_bar is the mean of
the T_j (T_0 before re-weighting). This follows the authors' ``RIDELoss``
(frank-xwang/RIDE-LongTailRecognition, model/loss.py L124-L247): the
LDAM part averages the batch by its class weights, ``F.cross_entropy(weight=
w)`` (:mod:`lt_mm.core.losses.weighted_reduction`), and the ensemble target
q is the model's mean logits, detached.
"""
from typing import Union

import torch
import torch.nn.functional as F
from torch import Tensor


def ride_diversity_temperatures(counts,
                                base_temperature: float = 1.0,
                                reweight_factor: float = 0.05) -> Tensor:
    """(C, ) float64 per-class temperatures T_j of the re-weighted phase.

    ``T_j = T_0 * v_j / max v``, ``v_j = C * pi_j * r + 1 - r``
    (model/loss.py L162-L172).

    Args:
        counts (Sequence[float] | Tensor): (C, ) class counts n_j.
        base_temperature (float): T_0. Defaults to 1.0.
        reweight_factor (float): r. Defaults to 0.05.

    Returns:
        Tensor: (C, ) float64 temperatures.
    """
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if counts.dim() != 1 or not len(counts) or (counts < 0).any() or \
            counts.sum() <= 0:
        raise ValueError('class counts must be a non-empty 1-D sequence of '
                         'non-negative numbers with a positive sum')
    if base_temperature <= 0:
        raise ValueError(
            f'base_temperature must be positive, got {base_temperature}')
    prior = counts / counts.sum()
    v = len(counts) * prior * reweight_factor + 1 - reweight_factor
    if (v <= 0).any():
        raise ValueError(f'reweight_factor {reweight_factor} is too large: '
                         'a class would get a non-positive temperature')
    return base_temperature * v / v.max()


def ride_diversity(expert_logits: Tensor,
                   ensemble_logits: Tensor,
                   temperature: Union[float, Tensor] = 1.0) -> Tensor:
    """Per-sample diversity term ``T_bar^2 * KL(q || p_k)`` of one expert.

    Args:
        expert_logits (Tensor): (N, C) logits z_k of the expert.
        ensemble_logits (Tensor): (N, C) mean logits z of all experts; no
            gradient flows into them (the authors' ``torch.no_grad``).
        temperature (float | Tensor): T_0, or (C, ) per-class T_j.

    Returns:
        Tensor: (N, ) values; their mean is the authors'
        ``T_bar^2 * F.kl_div(log p_k, q, reduction='batchmean')``.
    """
    if expert_logits.shape != ensemble_logits.shape:
        raise ValueError(f'expert logits {tuple(expert_logits.shape)} and '
                         f'ensemble logits {tuple(ensemble_logits.shape)} '
                         'differ in shape')
    if isinstance(temperature, Tensor):
        if temperature.shape != expert_logits.shape[1:]:
            raise ValueError(f'{tuple(temperature.shape)} temperatures for '
                             f'{expert_logits.shape[1]} classes')
        t = temperature.to(expert_logits)
        t_bar = t.mean()
    else:
        if temperature <= 0:
            raise ValueError(f'temperature must be positive, got '
                             f'{temperature}')
        t = t_bar = temperature
    log_p = F.log_softmax(expert_logits / t, dim=1)
    with torch.no_grad():
        log_q = F.log_softmax(ensemble_logits.detach() / t, dim=1)
    kl = (log_q.exp() * (log_q - log_p)).sum(1)
    return t_bar * t_bar * kl
