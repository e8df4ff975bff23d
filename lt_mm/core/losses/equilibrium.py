"""Equilibrium loss and the running mean classification score of LOCE (Feng
et al., "Exploring Classification Equilibrium in Long-Tailed Object
Detection", ICCV 2021).

The mean score m_c of class c is a running average of the probability that the
classifier gives the true class of its positive samples. The equilibrium loss
is the cross-entropy of the logits shifted by log m,

    p_j = m_j exp(z_j) / sum_k m_k exp(z_k),   loss = -log p_y,

so a class the classifier already scores highly (large m_c, a head class) is
damped and a poorly scored one (a tail class) gets a larger margin. Inference
uses the plain softmax of z.

The update of m: each training step yields entries, one per ground-truth
instance (the mean, over its positive samples, of the detached softmax of the
raw logits at its class) and one per class drawn from the feature memory (the
mean over that class's memory samples). For a class c with n entries,

    m_c <- a^n m_c + (1 - a^n) mean(entries of c),   a = 0.9,

i.e. n exponential-moving-average steps towards the batch mean. The background
entry of m stays fixed (0.01).
"""
from typing import Tuple

import torch
import torch.nn.functional as F

from ..precision import at_least_float32


def _check_mean_score(logits: torch.Tensor, mean_score: torch.Tensor) -> None:
    if mean_score.dim() != 1 or mean_score.numel() != logits.size(-1):
        raise ValueError(
            f'mean_score must have one entry per logit ({logits.size(-1)}), '
            f'got shape {tuple(mean_score.shape)}')


def equilibrium_logits(logits: torch.Tensor,
                       mean_score: torch.Tensor) -> torch.Tensor:
    """``z + log m``: the logits whose softmax is ``m_j e^{z_j} / sum_k m_k
    e^{z_k}``. ``mean_score`` (positive, one entry per logit) is a constant:
    no gradient flows into it.

    Args:
        logits (Tensor): (N, K) logits z.
        mean_score (Tensor): (K, ) positive mean scores m.

    Returns:
        Tensor: (N, K) ``z + log m``, in the dtype of ``logits``.
    """
    _check_mean_score(logits, mean_score)
    logits = at_least_float32(logits)
    return logits + mean_score.detach().to(logits.dtype).log()


def equilibrium_loss(logits: torch.Tensor, labels: torch.Tensor,
                     mean_score: torch.Tensor) -> torch.Tensor:
    """Per-sample equilibrium loss ``-log softmax(z + log m)_y``, shape (N,).

    Args:
        logits (Tensor): (N, K) logits, background (if any) included.
        labels (Tensor): (N,) class indices in [0, K).
        mean_score (Tensor): (K,) positive mean scores.

    Returns:
        Tensor: (N,) losses.
    """
    return F.cross_entropy(
        equilibrium_logits(logits, mean_score), labels, reduction='none')


def mean_score_statistics(probs: torch.Tensor, labels: torch.Tensor,
                          groups: torch.Tensor,
                          num_classes: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-class sums and counts of the entries of one step (float64).

    Samples of the same ``groups`` id (a ground-truth instance, or a class of
    memory samples) form one entry, the mean of their ``probs``; each entry
    counts once for its class. Sums and counts (rather than means) are
    returned so that ranks can add theirs before :func:`update_mean_score`.

    Args:
        probs (Tensor): (N,) detached probability of each sample's class.
        labels (Tensor): (N,) class of each sample, in [0, num_classes).
        groups (Tensor): (N,) entry id of each sample (any non-negative
            integers; samples of one id must share their label).
        num_classes (int): Foreground classes C.

    Returns:
        tuple[Tensor, Tensor]: (C,) sum of the entries of each class and
        (C,) number of entries of each class.
    """
    if not probs.shape == labels.shape == groups.shape or probs.dim() != 1:
        raise ValueError('probs, labels and groups must be 1-D and of one '
                         f'length, got {tuple(probs.shape)}, '
                         f'{tuple(labels.shape)}, {tuple(groups.shape)}')
    sums = probs.new_zeros(num_classes, dtype=torch.float64)
    counts = torch.zeros_like(sums)
    if probs.numel() == 0:
        return sums, counts
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f'labels must lie in [0, {num_classes})')
    ids, inverse = torch.unique(groups, return_inverse=True)
    entry_sum = sums.new_zeros(len(ids)).index_add_(0, inverse,
                                                    probs.double())
    entry_size = sums.new_zeros(len(ids)).index_add_(
        0, inverse, torch.ones_like(probs, dtype=torch.float64))
    entry_label = labels.new_empty(len(ids)).scatter_(0, inverse, labels)
    if (entry_label[inverse] != labels).any():
        raise ValueError('samples of one group must have one label')
    sums.index_add_(0, entry_label, entry_sum / entry_size)
    counts.index_add_(0, entry_label, torch.ones_like(entry_sum))
    return sums, counts


def update_mean_score(mean_score: torch.Tensor,
                      sums: torch.Tensor,
                      counts: torch.Tensor,
                      momentum: float = 0.9) -> torch.Tensor:
    """The updated mean scores (a new tensor of ``mean_score``'s dtype).

    ``m_c <- a^n m_c + (1 - a^n) sums_c / n`` for every class with
    ``n = counts_c > 0``; classes without entries, and entries of
    ``mean_score`` beyond ``len(sums)`` (the background), are unchanged.

    Args:
        mean_score (Tensor): (K, ) mean scores m, K >= C.
        sums (Tensor): (C, ) sums of the step's entries of each class, from
            :func:`mean_score_statistics`.
        counts (Tensor): (C, ) number of entries n of each class.
        momentum (float): a, in [0, 1). Defaults to 0.9.

    Returns:
        Tensor: (K, ) updated mean scores.
    """
    if not 0 <= momentum < 1:
        raise ValueError(f'momentum must lie in [0, 1), got {momentum}')
    num_classes = sums.numel()
    if counts.shape != sums.shape or mean_score.numel() < num_classes:
        raise ValueError(
            f'sums {tuple(sums.shape)} and counts {tuple(counts.shape)} must '
            f'match, with at most {mean_score.numel()} classes')
    counts = counts.double()
    decay = torch.full_like(counts, momentum).pow(counts)
    batch_mean = sums.double() / counts.clamp(min=1)
    fg = mean_score[:num_classes].double()
    fg = decay * fg + (1 - decay) * batch_mean  # n = 0: decay 1, unchanged
    updated = mean_score.clone()
    updated[:num_classes] = fg.to(mean_score.dtype)
    return updated
