"""SADE's skill-diverse expert losses (Zhang et al., "Self-Supervised
Aggregation of Diverse Experts for Test-Agnostic Long-Tailed Recognition",
NeurIPS 2022).

Three experts on one shared backbone, each trained on its own logits z_k
with class priors pi_j = n_j / sum(n):

- expert 1 (forward, many-shot): softmax cross-entropy on z_1;
- expert 2 (uniform): balanced softmax, cross-entropy on z_2 + log pi;
- expert 3 (backward, few-shot): inverse softmax, cross-entropy on
  z_3 + log pi - tau * log pi_inv;

and the training loss is their sum, L = L_1 + L_2 + L_3. tau = 2 for
CIFAR-100-LT and ImageNet-LT, 1 for Places-LT and iNaturalist 2018 (the
authors' configs).

pi_inv is not 1 / pi: in the authors' code (Vanint/SADE-AgnosticLT,
model/loss.py L255-L261, DiverseExpertLoss.inverse_prior) it is the prior
reassigned in reversed rank order: the class with the k-th largest prior
takes the k-th smallest prior value, so the most frequent class gets the
rarest class's prior and vice versa. Classes of equal count are ranked by
class index (a stable sort; the authors' unstable ``torch.sort`` leaves
their order to the device).

The authors compute log(pi + 1e-9); here a class without training samples
counts as one sample (as :func:`log_class_prior` does for Balanced Softmax),
which equals theirs for every class that has samples.
"""
from typing import Sequence

import torch
from torch import Tensor

from .soft_target import soft_cross_entropy


def reversed_rank_prior(prior: Tensor) -> Tensor:
    """pi_inv: the prior values reassigned in reversed rank order.

    Args:
        prior (Tensor): (C, ) class priors (or counts; any positive scale).

    Returns:
        Tensor: (C, ) pi_inv with ``pi_inv[j] = sorted(prior)[C - 1 -
        rank(j)]``, rank(j) the position of class j in the ascending order
        (ties by class index).
    """
    if prior.dim() != 1 or not len(prior):
        raise ValueError('the prior must be a non-empty (C, ) tensor, got '
                         f'shape {tuple(prior.shape)}')
    values, order = torch.sort(prior, stable=True)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(len(prior), device=prior.device)
    return values[len(prior) - 1 - rank]


def sade_expert_logits(expert_logits: Sequence[Tensor], log_prior: Tensor,
                       tau: float = 2.0) -> list:
    """The logits each SADE expert's cross-entropy is taken on.

    Args:
        expert_logits (Sequence[Tensor]): three (N, C) logits z_1, z_2, z_3.
        log_prior (Tensor): (C, ) log pi from :func:`log_class_prior`.
        tau (float): Scale of the inverse prior. Defaults to 2.0.

    Returns:
        list[Tensor]: ``[z_1, z_2 + log pi, z_3 + log pi - tau * log
        pi_inv]``, pi_inv from :func:`reversed_rank_prior`.
    """
    if len(expert_logits) != 3:
        raise ValueError('SADE trains exactly three experts (forward, '
                         f'uniform, backward), got {len(expert_logits)} '
                         'expert logits')
    z1, z2, z3 = expert_logits
    # log is monotonic: reversing the ranks of log pi gives log pi_inv
    log_inverse = reversed_rank_prior(log_prior).to(z1)
    log_prior = log_prior.to(z1)
    return [z1, z2 + log_prior, z3 + log_prior - tau * log_inverse]


def sade_loss(expert_logits: Sequence[Tensor], target: Tensor,
              log_prior: Tensor, tau: float = 2.0) -> Tensor:
    """(N, ) per-sample SADE loss: the three experts' cross-entropies,
    summed.

    Args:
        expert_logits (Sequence[Tensor]): three (N, C) logits z_1, z_2, z_3.
        target (Tensor): (N, C) targets (one-hot or soft).
        log_prior (Tensor): (C, ) log pi.
        tau (float): Scale of the inverse prior. Defaults to 2.0.

    Returns:
        Tensor: (N, ) ``sum_k CE(adjusted z_k, target)``.
    """
    adjusted = sade_expert_logits(expert_logits, log_prior, tau)
    return sum(soft_cross_entropy(z, target) for z in adjusted)
