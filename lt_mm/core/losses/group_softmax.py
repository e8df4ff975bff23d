"""Balanced Group Softmax (Li et al., "Overcoming Classifier Imbalance for
Long-tail Object Detection with Balanced Group Softmax", CVPR 2020).

Classes are grouped by their number of training instances (bins 10 / 100 /
1000: (0, 10), [10, 100), [100, 1000), [1000, inf)); a class without
instances joins the first group. Each group g has the logits of its classes
and an extra "others" logit, and its own softmax

    p_g(j) = exp(z_j) / (exp(o_g) + sum_{k in g} exp(z_k)),   j in g or o_g,

so head classes no longer suppress tail classes. A sample whose class lies
in g is a positive of g; every other sample (another group's class, or
background in detection) is labelled "others" in g, and those are subsampled
to ``others_ratio`` (8) times the positives of g, drawn without replacement.
A group without positives in the batch contributes nothing. Each group's
cross-entropy is averaged over its kept samples and the groups are summed.
"""
from typing import Optional, Sequence

import numpy as np
import torch
from torch import Tensor


def group_of_classes(instance_counts: np.ndarray,
                     bins: Sequence[int] = (10, 100, 1000)) -> np.ndarray:
    """Group index (0 .. len(bins)) of each class from its instance count.

    Args:
        instance_counts (np.ndarray): (C, ) training instances of each class.
        bins (Sequence[int]): Strictly increasing bin edges; group g holds
            the counts in ``[bins[g - 1], bins[g])``. Defaults to
            (10, 100, 1000).

    Returns:
        np.ndarray: (C, ) group index of each class.
    """
    if list(bins) != sorted(bins) or len(set(bins)) != len(bins):
        raise ValueError(f'bins must increase strictly, got {bins}')
    return np.searchsorted(np.asarray(bins), np.asarray(instance_counts),
                           side='right')


def group_log_normalisers(logits: Tensor, others: Tensor,
                          group: Tensor) -> Tensor:
    """(N, G) log-sum-exp of each group's logits and its "others" logit.

    Args:
        logits (Tensor): (N, C) class logits. others (Tensor): (N, G).
        group (Tensor): (C, ) group index of each class.
    """
    index = group.expand_as(logits)
    peak = others.detach().clone().scatter_reduce(
        1, index, logits.detach(), 'amax')  # per group, for stability
    total = torch.exp(others - peak).scatter_add(
        1, index, torch.exp(logits - peak.gather(1, index)))
    return peak + total.log()


@torch.no_grad()
def others_weights(in_group: Tensor,
                   others_ratio: float = 8.0,
                   generator: Optional[torch.Generator] = None) -> Tensor:
    """(N, G) 0/1 weights: every positive of a group, plus
    ``int(positives * others_ratio)`` of its "others" samples at random
    (all of them if there are fewer); nothing in a group without positives.

    Args:
        in_group (Tensor): (N, G) bool, sample i is a positive of group g.
    """
    positives = in_group.sum(0)
    quota = (positives.double() * others_ratio).long()
    keys = torch.rand(in_group.shape, generator=generator,
                      device=in_group.device)
    keys[in_group] = 2.0  # positives sort after every candidate
    ranks = keys.argsort(0).argsort(0)
    kept = in_group | (ranks < quota)
    return (kept & (positives > 0)).to(torch.float32)


def group_softmax_losses(logits: Tensor,
                         others: Tensor,
                         labels: Tensor,
                         group: Tensor,
                         others_ratio: float = 8.0,
                         sample_weights: Optional[Tensor] = None,
                         generator: Optional[torch.Generator] = None
                         ) -> Tensor:
    """(G, ) cross-entropy of each group, averaged over its kept samples.

    Args:
        logits (Tensor): (N, C) class logits.
        others (Tensor): (N, G) "others" logit of each group.
        labels (Tensor): (N, ); a label outside [0, C) (background) is
            "others" in every group.
        group (Tensor): (C, ) group index of each class.
        others_ratio (float): "others" samples kept per positive in each
            group. Defaults to 8.
        sample_weights (Tensor, optional): (N, ) per-sample weights.
            Defaults to None.
        generator (torch.Generator, optional): Draws the kept "others".
            Defaults to None (torch's default generator).

    Returns:
        Tensor: (G, ) losses.
    """
    num_classes, num_groups = logits.size(1), others.size(1)
    foreground = (labels >= 0) & (labels < num_classes)
    label = labels.clamp(0, num_classes - 1)
    own_group = torch.where(foreground, group[label], -1)
    in_group = own_group[:, None] == torch.arange(num_groups,
                                                  device=labels.device)
    target = torch.where(in_group, logits.gather(1, label[:, None]), others)
    ce = group_log_normalisers(logits, others, group) - target
    weights = others_weights(in_group, others_ratio, generator).to(ce)
    if sample_weights is not None:
        weights = weights * sample_weights[:, None].to(ce)
    return (weights * ce).sum(0) / weights.sum(0).clamp(min=1)


def group_softmax_probabilities(logits: Tensor, others: Tensor,
                                group: Tensor) -> Tensor:
    """(N, C) probability of each class within its group's softmax.

    Args:
        logits (Tensor): (N, C) class logits.
        others (Tensor): (N, G) "others" logit of each group.
        group (Tensor): (C, ) group index of each class.

    Returns:
        Tensor: (N, C) probabilities.
    """
    log_norm = group_log_normalisers(logits, others, group)
    return torch.exp(logits - log_norm.gather(1, group.expand_as(logits)))
