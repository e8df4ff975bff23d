"""Long-tailed subsets of balanced datasets by the LDAM protocol.

Cao et al., "Learning Imbalanced Datasets with Label-Distribution-Aware Margin
Loss", NeurIPS 2019 (github.com/kaidic/LDAM-DRW, ``imbalance_cifar.py``) keep,
of class ``i`` out of ``C``,

    n_i = int(n_max * (1 / IR) ** (i / (C - 1)))          ('exp' profile)

samples, ``n_max`` being the per-class size of the balanced set and ``IR`` the
imbalance ratio n_max / n_min. CIFAR-100 (500 per class) at IR 100 gives
10,847 images, CIFAR-10 (5,000 per class) at IR 100 gives 12,406. The 'step'
profile keeps n_max for the first half of the classes and int(n_max / IR) for
the rest. Which samples are kept is fixed by one seeded random state that
shuffles each class's indices in turn (class 0 first) and keeps the first n_i.
"""
from typing import Sequence

import numpy as np

IMBALANCE_PROFILES = ('exp', 'step')


def long_tailed_counts(num_classes: int,
                       max_count: int,
                       imbalance_ratio: float,
                       profile: str = 'exp') -> np.ndarray:
    """Per-class sample counts of a long-tailed subset (LDAM protocol).

    Args:
        num_classes (int): Number of classes C.
        max_count (int): Samples kept of class 0, the head (n_max).
        imbalance_ratio (float): n_max / n_min, at least 1.
        profile (str): 'exp' (exponential decay) or 'step'.

    Returns:
        np.ndarray: int64 counts n_0 >= n_1 >= ... >= n_{C-1}.
    """
    if num_classes < 1:
        raise ValueError(f'num_classes must be positive, got {num_classes}')
    if max_count < 1:
        raise ValueError(f'max_count must be positive, got {max_count}')
    if not imbalance_ratio >= 1:
        raise ValueError(
            f'imbalance_ratio must be >= 1, got {imbalance_ratio}')
    if profile not in IMBALANCE_PROFILES:
        raise ValueError(f'profile must be one of {IMBALANCE_PROFILES}, '
                         f'got {profile!r}')
    if profile == 'step':
        head = num_classes // 2
        counts = [max_count] * head + [int(max_count / imbalance_ratio)] * (
            num_classes - head)
        return np.asarray(counts, dtype=np.int64)
    if num_classes == 1:
        return np.asarray([max_count], dtype=np.int64)
    # Python floats and int() truncation, as the reference code computes it:
    # numpy's vectorised power can differ in the last bit and flip a count.
    factor = 1.0 / imbalance_ratio
    return np.asarray([
        int(max_count * factor**(i / (num_classes - 1.0)))
        for i in range(num_classes)
    ], dtype=np.int64)


def long_tailed_indices(labels: Sequence[int],
                        counts: Sequence[int],
                        seed: int = 0) -> np.ndarray:
    """Indices of the samples that a long-tailed subset keeps.

    For each class in increasing label order, the indices of its samples are
    shuffled by one ``np.random.RandomState(seed)`` (the same stream that
    ``np.random.seed(seed)`` followed by ``np.random.shuffle`` gives in the
    reference code) and the first ``counts[c]`` are kept.

    Args:
        labels: Label of every sample of the balanced set, in file order.
        counts: Samples to keep of each class, indexed by label.
        seed (int): Seed of the shuffles; LDAM-DRW uses 0.

    Returns:
        np.ndarray: int64 indices into ``labels``, grouped by class.
    """
    labels = np.asarray(labels, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    if labels.ndim != 1:
        raise ValueError('labels must be one label per sample')
    if labels.size and (labels.min() < 0 or labels.max() >= len(counts)):
        raise ValueError(f'labels must lie in [0, {len(counts)}) to match '
                         f'the {len(counts)} counts')
    available = np.bincount(labels, minlength=len(counts))
    short = np.flatnonzero(available < counts)
    if short.size:
        c = int(short[0])
        raise ValueError(f'class {c} has {available[c]} samples, fewer than '
                         f'the {counts[c]} the long-tailed profile keeps')
    rng = np.random.RandomState(seed)
    kept = []
    for c, n in enumerate(counts):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        kept.append(idx[:n])
    return np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
