"""Re-sampling math shared by detection and classification (numpy only).

A dataset's labels come as a :class:`lt_mm.core.label_index.LabelIndex`:
the labels of all samples one after another, sample ``i`` owning
``labels[offsets[i]:offsets[i + 1]]`` (the kept instances of an image, or the
one label of a classification sample). A sample may own no label.

Repeat factor sampling (Gupta et al., "LVIS: A Dataset for Large Vocabulary
Instance Segmentation", CVPR 2019)::

    f_c = (images containing c) / (images)
    r_c = max(1, sqrt(t / f_c))
    r_I = max over the classes c in image I of r_c    (1 for an image without)

Class-aware sampling (Kang et al., "Decoupling Representation and Classifier
for Long-Tailed Recognition", ICLR 2020): class ``j`` is drawn with

    p_j = n_j^q / sum_k n_k^q

(q = 1 instance-balanced, q = 1/2 square-root, q = 0 class-balanced), then one
of its samples uniformly, so for single-label data ``p_i ~ n_{y_i}^(q - 1)``.
Progressive-balanced sampling mixes ``p(t) = (1 - t/T) p_IB + (t/T) p_CB``;
BBN's reversed sampler (Zhou et al., CVPR 2020) is ``q = -1``.
"""
import numpy as np

from .label_index import LabelIndex

ROUNDINGS = ('stochastic', 'ceil')


def class_repeat_factors(image_counts: np.ndarray, num_samples: int,
                         repeat_thr: float) -> np.ndarray:
    """``r_c = max(1, sqrt(t / f_c))``, ``f_c = image_counts / num_samples``.

    A class in no sample gets 1 (it can raise no image's factor).
    """
    if repeat_thr <= 0:
        raise ValueError(f'repeat_thr must be positive, got {repeat_thr}')
    counts = np.asarray(image_counts, dtype=np.float64)
    factors = np.ones_like(counts)
    seen = counts > 0
    # The same float operations as mmengine's ClassBalancedDataset, so that
    # factors on the boundary of an integer round the same way.
    freq = counts[seen] / num_samples
    factors[seen] = np.maximum(1.0, np.sqrt(repeat_thr / freq))
    return factors


def repeat_factors(index: LabelIndex,
                   repeat_thr: float = 0.001) -> np.ndarray:
    """Repeat factor ``r_I`` of every sample (see the module docstring).

    ``f_c`` counts samples over all samples, including those without labels,
    which keep ``r_I = 1``.
    """
    num_samples = index.num_images
    factors = np.ones(num_samples, dtype=np.float64)
    if index.labels.size == 0:
        return factors
    num_classes = int(index.labels.max()) + 1
    samples, classes = index.image_class_pairs()
    per_class = class_repeat_factors(
        np.bincount(classes, minlength=num_classes), num_samples, repeat_thr)
    # Pairs are sorted by sample: reduce each sample's run of pairs.
    starts = np.flatnonzero(np.r_[True, samples[1:] != samples[:-1]])
    factors[samples[starts]] = np.maximum.reduceat(per_class[classes], starts)
    return factors


def expected_epoch_length(factors: np.ndarray) -> int:
    """Copies per epoch under stochastic rounding: ``round(sum r_I)``."""
    return int(np.rint(np.sum(factors)))


def round_repeat_factors(factors: np.ndarray,
                         rounding: str = 'stochastic',
                         rng: np.random.Generator = None) -> np.ndarray:
    """Integer number of copies of every sample for one epoch.

    ``'ceil'`` gives ``ceil(r)`` (mmengine's ClassBalancedDataset).
    ``'stochastic'`` gives ``floor(r)`` plus one extra copy with probability
    ``frac(r)`` as in detectron2, but draws the extra copies as one
    systematic sample of exactly ``round(sum frac(r))`` images, so that every
    epoch has the same length :func:`expected_epoch_length` (MMEngine's loops
    fix the number of iterations per epoch once). The probabilities are
    rescaled by ``round(S) / S`` (``S = sum frac(r)``), a relative change of
    at most ``1 / (2 S)``; any that would pass 1 are held at 1 and the
    others raised to keep the sum.
    """
    factors = np.asarray(factors, dtype=np.float64)
    if np.any(factors < 1):
        raise ValueError('repeat factors must be >= 1')
    if rounding == 'ceil':
        return np.ceil(factors).astype(np.int64)
    if rounding != 'stochastic':
        raise ValueError(
            f'rounding must be one of {ROUNDINGS}, got {rounding!r}')
    if rng is None:
        raise ValueError("stochastic rounding needs a random generator 'rng'")
    copies = np.floor(factors).astype(np.int64)
    frac = factors - copies
    num_extra = expected_epoch_length(factors) - int(copies.sum())
    if num_extra <= 0:
        return copies
    prob = _inclusion_probabilities(frac, num_extra)
    # Systematic sampling in random order: each image owns an interval of
    # length p_i <= 1 on [0, num_extra) and is picked when one of the points
    # u, u + 1, ... falls in it, so P(picked) = p_i and exactly num_extra
    # distinct images are picked.
    order = rng.permutation(len(factors))
    ends = np.cumsum(prob[order])
    ends *= num_extra / ends[-1]  # float round-off only
    points = rng.random() + np.arange(num_extra)
    picked = order[np.minimum(
        np.searchsorted(ends, points, side='right'),
        len(order) - 1)]
    np.add.at(copies, picked, 1)
    return copies


def _inclusion_probabilities(frac: np.ndarray, total: int) -> np.ndarray:
    """``frac`` rescaled to sum to ``total`` with every entry <= 1: entries
    that would pass 1 are held at 1 and the rest scaled up."""
    prob = frac * (total / frac.sum())
    while True:
        full = prob >= 1
        prob[full] = 1.0
        rest = total - full.sum()
        free = prob[~full].sum()
        if rest <= 0 or free <= 0 or abs(free - rest) <= 1e-12 * total:
            return prob
        prob[~full] *= rest / free


def class_sampling_weights(counts: np.ndarray, q: float) -> np.ndarray:
    """``p_j = n_j^q / sum_k n_k^q`` over the classes with ``n_j > 0``.

    Classes without samples get probability 0 (there is nothing to draw).
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or np.any(counts < 0):
        raise ValueError('class counts must be a 1-d array of counts >= 0')
    seen = counts > 0
    if not seen.any():
        raise ValueError('no class has any sample')
    weights = np.zeros_like(counts)
    weights[seen] = counts[seen]**float(q)
    return weights / weights.sum()


def progressive_class_weights(counts: np.ndarray, epoch: int,
                              max_epochs: int) -> np.ndarray:
    """``p(t) = (1 - t/T) p_IB + (t/T) p_CB`` with ``t = epoch`` (0-based)
    and ``T = max_epochs``."""
    if max_epochs <= 0:
        raise ValueError(f'max_epochs must be positive, got {max_epochs}')
    if not 0 <= epoch <= max_epochs:
        raise ValueError(f'epoch {epoch} is outside [0, {max_epochs}]')
    t = epoch / max_epochs
    return ((1 - t) * class_sampling_weights(counts, 1.0) +
            t * class_sampling_weights(counts, 0.0))


def reversed_class_weights(counts: np.ndarray) -> np.ndarray:
    """BBN's reversed sampler: ``p_j = (1 / n_j) / sum_k (1 / n_k)``."""
    return class_sampling_weights(counts, -1.0)


def class_aware_sample(index: LabelIndex,
                       class_weights: np.ndarray, size: int,
                       rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` sample indices with replacement: a class ``j`` with
    probability ``class_weights[j]``, then uniformly one of the samples that
    contain ``j``."""
    class_weights = np.asarray(class_weights, dtype=np.float64)
    num_classes = len(class_weights)
    labels = index.labels
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f'label {int(labels.max())} has no class weight '
                         f'({num_classes} classes)')
    samples, classes = index.image_class_pairs()
    members_per_class = np.bincount(classes, minlength=num_classes)
    if np.any(class_weights[members_per_class == 0] > 0):
        raise ValueError('a class without samples has a positive weight')
    # Samples grouped by class: class j owns members[start[j]:start[j + 1]].
    members = samples[np.argsort(classes, kind='stable')]
    start = np.concatenate([[0], np.cumsum(members_per_class)[:-1]])
    drawn = rng.choice(num_classes, size=size, p=class_weights)
    return members[start[drawn] + rng.integers(members_per_class[drawn])]


def class_balanced_image_list(index: LabelIndex,
                              images_per_class: int,
                              rank: int = 0,
                              world_size: int = 1) -> np.ndarray:
    """One rank's share of a class-balanced pass: ``images_per_class``
    images of every class.

    The pass that fills LOCE's feature memory before training (Feng et al.,
    "Exploring Classification Equilibrium in Long-Tailed Object Detection",
    ICCV 2021): every class with at least one image contributes its first
    ``images_per_class * world_size`` images in dataset order, its images
    repeated in turn when it has fewer, and rank ``r`` takes every
    ``world_size``-th of them from the ``r``-th on. Classes follow one
    another in the order of their first image (then by label); samples
    without a label form one more group, placed the same way. Every rank
    thus gets ``images_per_class`` images per group, and the ranks together
    see ``min(images_per_class * world_size, images of the class)`` distinct
    images of each class. Nothing is random: the authors' sampler does not
    shuffle.

    Args:
        index (LabelIndex): The labels of every sample.
        images_per_class (int): Images of each class on each rank.
        rank (int): This process's rank.
        world_size (int): Number of processes.

    Returns:
        np.ndarray: Sample indices (int64), group after group, each group
        ``images_per_class`` long.
    """
    for name, value in (('images_per_class', images_per_class),
                        ('world_size', world_size)):
        if int(value) != value or value < 1:
            raise ValueError(f'{name} must be a positive integer, got {value}')
    if not 0 <= rank < world_size:
        raise ValueError(f'rank {rank} is outside [0, {world_size})')
    labels = index.labels
    num_classes = int(labels.max()) + 1 if labels.size else 0
    samples, classes = index.image_class_pairs()
    # samples without a label: one more group, after every class id
    unlabelled = np.flatnonzero(index.sizes == 0)
    samples = np.concatenate([samples, unlabelled])
    classes = np.concatenate(
        [classes, np.full(len(unlabelled), num_classes, dtype=np.int64)])
    if samples.size == 0:
        raise ValueError('the dataset has no sample')
    # group by class, each group's samples ascending, groups ordered by
    # their first sample (then label)
    order = np.lexsort((samples, classes))
    samples, classes = samples[order], classes[order]
    starts = np.flatnonzero(np.r_[True, classes[1:] != classes[:-1]])
    sizes = np.diff(np.r_[starts, len(samples)])
    group_order = np.lexsort((classes[starts], samples[starts]))
    total = int(images_per_class) * int(world_size)
    # position k of a group's list of ``total`` is its (k mod size)-th image
    positions = np.arange(rank, total, world_size)
    picks = [
        samples[starts[g] + positions % sizes[g]] for g in group_order
    ]
    return np.concatenate(picks).astype(np.int64)
