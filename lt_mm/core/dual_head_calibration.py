"""SimCal's calibration RoIs and dual-head score merge (torch only).

Wang et al., "The Devil is in Classification: A Simple Framework for
Long-tail Instance Segmentation", ECCV 2020.

Calibration batch: of the RoIs the frozen detector's assigner and sampler
give each image, keep the positives whose label is the class the image was
drawn for, and as many background RoIs, drawn uniformly without
replacement from the negatives of the whole batch::

    P = sum_i |{r in pos_i : y_r = c_i}|,   N = min(P, sum_i |neg_i|)

Dual-head inference: with p the detector's softmax scores and q the
calibrated head's, a class with fewer than ``T`` (100) training instances
takes the calibrated score, every other class keeps the original one::

    s_j = q_j  if n_j < T  else  p_j
"""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor


def select_calibration_rois(
        pos_labels: Sequence[Tensor],
        sampled_classes: Sequence[int],
        num_negatives: Sequence[int],
        generator: Optional[torch.Generator] = None
) -> Tuple[List[Tensor], List[Tensor]]:
    """RoIs that train the calibration head.

    Args:
        pos_labels (Sequence[Tensor]): Per image, the labels of its positive
            RoIs.
        sampled_classes (Sequence[int]): Per image, the class it was drawn
            for.
        num_negatives (Sequence[int]): Per image, its number of negative
            (background) RoIs.
        generator (torch.Generator, optional): Random source of the
            background draw.

    Returns:
        tuple[list[Tensor], list[Tensor]]: Per image, the indices (int64)
        into its positives and into its negatives to keep. Background RoIs
        number ``min(P, negatives)`` over the batch, ``P`` the kept
        positives; none when no positive is kept.
    """
    if not len(pos_labels) == len(sampled_classes) == len(num_negatives):
        raise ValueError(
            f'pos_labels, sampled_classes and num_negatives must have one '
            f'entry per image, got {len(pos_labels)}, '
            f'{len(sampled_classes)} and {len(num_negatives)}')
    pos_keep = [
        torch.nonzero(labels == int(c), as_tuple=False).view(-1)
        for labels, c in zip(pos_labels, sampled_classes)
    ]
    num_pos = sum(len(keep) for keep in pos_keep)
    num_neg = [int(n) for n in num_negatives]
    total_neg = sum(num_neg)
    device = pos_labels[0].device if len(pos_labels) else None
    chosen = torch.randperm(
        total_neg, generator=generator)[:min(num_pos, total_neg)]
    chosen = chosen.sort().values.to(device)
    starts = torch.tensor([0] + num_neg, device=device).cumsum(0)
    neg_keep = [
        chosen[(chosen >= starts[i]) & (chosen < starts[i + 1])] - starts[i]
        for i in range(len(num_neg))
    ]
    return pos_keep, neg_keep


def merge_dual_head_scores(original: Tensor, calibrated: Tensor,
                           use_calibrated: Tensor) -> Tensor:
    """Take the calibrated head's scores for the selected classes.

    Args:
        original (Tensor): ``(N, C + 1)`` probabilities of the detector's
            head, background last.
        calibrated (Tensor): ``(N, C + 1)`` probabilities of the calibrated
            head.
        use_calibrated (Tensor): ``(C,)`` bool, the classes that take the
            calibrated scores (``instance_counts < T``).

    Returns:
        Tensor: ``(N, C + 1)``: the selected foreground columns from
        ``calibrated``, every other column (background included) from
        ``original``.
    """
    if original.shape != calibrated.shape:
        raise ValueError(f'the heads disagree in shape: {original.shape} '
                         f'and {calibrated.shape}')
    if use_calibrated.shape != (original.shape[-1] - 1, ):
        raise ValueError(
            f'use_calibrated needs one flag per foreground class '
            f'({original.shape[-1] - 1}), got shape {use_calibrated.shape}')
    background = torch.zeros(1, dtype=torch.bool, device=use_calibrated.device)
    mask = torch.cat([use_calibrated.bool(), background])
    return torch.where(mask.to(original.device), calibrated, original)
