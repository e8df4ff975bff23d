"""SimCal's calibration RoIs and dual-head score merge (torch only).

Wang et al., "The Devil is in Classification: A Simple Framework for
Long-tail Instance Segmentation", ECCV 2020.

Calibration batch: of the RoIs the frozen detector's assigner and sampler
give each image, keep the positives whose label is the class the image was
drawn for, and as many background RoIs, drawn uniformly without
replacement from the negatives of the whole episode::

    P = sum_i |{r in pos_i : y_r = c_i}|,   N = min(P, sum_i |neg_i|)

    loss = (1 / (P + N)) sum_{kept r} CE(z_r, y_r)

with ``i`` over all images of the episode. The authors hold an episode in
one process (twangnh/SimCal, mmdet/apis/train_new.py L203-L235 and
L383-L391). Spread over ``W`` processes, each holds part of the episode's
images: the processes share ``P``, the negatives' count and one random
permutation of the episode's negatives (in rank order), each keeps the
drawn negatives that are its own, and each divides its sum by
``(P + N) / W``, so that DDP's gradient average is the episode's mean.

Dual-head inference: with p the detector's softmax scores and q the
calibrated head's, a class with fewer than ``T`` (100) training instances
takes the calibrated score, every other class keeps the original one::

    s_j = q_j  if n_j < T  else  p_j
"""
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor


def calibration_positives(pos_labels: Sequence[Tensor],
                          sampled_classes: Sequence[int]) -> List[Tensor]:
    """Per image, the indices (int64) of its positive RoIs whose label is
    the class the image was drawn for."""
    return [
        torch.nonzero(labels == int(c), as_tuple=False).view(-1)
        for labels, c in zip(pos_labels, sampled_classes)
    ]


def select_calibration_rois(
        pos_labels: Sequence[Tensor],
        sampled_classes: Sequence[int],
        num_negatives: Sequence[int],
        generator: Optional[torch.Generator] = None,
        episode_positives: Optional[int] = None,
        episode_negatives: Optional[int] = None,
        first_negative: int = 0) -> Tuple[List[Tensor], List[Tensor]]:
    """RoIs that train the calibration head.

    Args:
        pos_labels (Sequence[Tensor]): Per image, the labels of its positive
            RoIs.
        sampled_classes (Sequence[int]): Per image, the class it was drawn
            for.
        num_negatives (Sequence[int]): Per image, its number of negative
            (background) RoIs.
        generator (torch.Generator, optional): Random source of the
            background draw; in a spread episode it must be in the same
            state in every process.
        episode_positives (int, optional): ``P`` of the whole episode when
            these images are only part of it (:func:`episode_share`).
            Defaults to these images' kept positives.
        episode_negatives (int, optional): Negatives of the whole episode.
            Defaults to ``sum(num_negatives)``.
        first_negative (int): Position of these images' first negative
            among the episode's negatives. Defaults to 0.

    Returns:
        tuple[list[Tensor], list[Tensor]]: Per image, the indices (int64)
        into its positives and into its negatives to keep. Background RoIs
        number ``min(P, negatives)`` over the episode, drawn uniformly
        without replacement; none when no positive is kept.
    """
    if not len(pos_labels) == len(sampled_classes) == len(num_negatives):
        raise ValueError(
            f'pos_labels, sampled_classes and num_negatives must have one '
            f'entry per image, got {len(pos_labels)}, '
            f'{len(sampled_classes)} and {len(num_negatives)}')
    pos_keep = calibration_positives(pos_labels, sampled_classes)
    num_pos = sum(len(keep) for keep in pos_keep)
    num_neg = [int(n) for n in num_negatives]
    total_neg = sum(num_neg)
    if episode_positives is None:
        episode_positives = num_pos
    if episode_negatives is None:
        episode_negatives = total_neg
    if episode_positives < num_pos or first_negative < 0 or \
            first_negative + total_neg > episode_negatives:
        raise ValueError(
            f'an episode of {episode_positives} positives and '
            f'{episode_negatives} negatives cannot hold {num_pos} positives '
            f'and negatives {first_negative}..{first_negative + total_neg}')
    device = pos_labels[0].device if len(pos_labels) else None
    chosen = torch.randperm(
        episode_negatives,
        generator=generator)[:min(episode_positives, episode_negatives)]
    chosen = chosen[(chosen >= first_negative)
                    & (chosen < first_negative + total_neg)] - first_negative
    chosen = chosen.sort().values.to(device)
    starts = torch.tensor([0] + num_neg, device=device).cumsum(0)
    neg_keep = [
        chosen[(chosen >= starts[i]) & (chosen < starts[i + 1])] - starts[i]
        for i in range(len(num_neg))
    ]
    return pos_keep, neg_keep


def episode_share(counts: Tensor, rank: int) -> Tuple[int, int, int, float]:
    """One process's place in an episode spread over processes.

    Args:
        counts (Tensor): ``(W, 2)``: per process (in rank order), its kept
            positives and its negatives.
        rank (int): This process's rank.

    Returns:
        tuple[int, int, int, float]: ``P`` and the negatives of the
        episode, the position of this process's first negative among them,
        and the divisor of its summed loss, ``(P + min(P, negatives)) / W``.
    """
    counts = torch.as_tensor(counts).long().cpu()
    if counts.dim() != 2 or counts.size(1) != 2 or \
            not 0 <= rank < counts.size(0):
        raise ValueError(f'counts must be (W, 2) with rank < W, got shape '
                         f'{tuple(counts.shape)} and rank {rank}')
    positives, negatives = (int(n) for n in counts.sum(0))
    first = int(counts[:rank, 1].sum())
    kept = positives + min(positives, negatives)
    return positives, negatives, first, kept / counts.size(0)


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
