"""Accuracy of long-tailed classification by class frequency.

Many-shot, medium-shot and few-shot accuracy (Liu et al., "Large-Scale
Long-Tailed Recognition in an Open World", CVPR 2019; Kang et al.,
"Decoupling Representation and Classifier", ICLR 2020) split the classes by
their number of training samples n_c:

    many: n_c > 100,   medium: 20 <= n_c <= 100,   few: n_c < 20

and average the per-class accuracy over each group. The relative accuracy of
Zhang et al., "Deep Long-Tailed Learning: A Survey" (TPAMI 2023, Sec. 4.1) is

    A_r = A_t / A_u,   A_u = max(A_v, A_b)

with A_t the top-1 accuracy of the long-tailed model, A_v the accuracy of the
backbone trained with cross-entropy on a balanced training set of similar size
and A_b that of the method trained on the same balanced set.
"""
from typing import Dict, Sequence, Union

import numpy as np

#: Shot group names, in the order of :func:`shot_groups`' codes 0, 1, 2.
SHOT_GROUPS = ('many', 'medium', 'few')


def shot_groups(train_counts: Sequence[int],
                many_threshold: float = 100,
                few_threshold: float = 20) -> np.ndarray:
    """Shot group of each class: 0 many (n > many_threshold), 1 medium,
    2 few (n < few_threshold)."""
    counts = np.asarray(train_counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError('train_counts must give one count per class')
    if (counts < 0).any():
        raise ValueError('train_counts must not be negative')
    if not few_threshold <= many_threshold:
        raise ValueError(f'few_threshold ({few_threshold}) must not exceed '
                         f'many_threshold ({many_threshold})')
    return np.where(counts > many_threshold, 0,
                    np.where(counts < few_threshold, 2, 1))


def shot_accuracy(pred_labels: Sequence[int],
                  gt_labels: Sequence[int],
                  train_counts: Sequence[int],
                  many_threshold: float = 100,
                  few_threshold: float = 20) -> Dict[str, float]:
    """Top-1 and many / medium / few-shot accuracy, in percent.

    ``top1`` is the accuracy over all test samples. A group's accuracy is the
    mean per-class accuracy over its classes that have test samples (on the
    balanced test sets of the benchmarks this equals the accuracy over the
    group's samples); a group with no such class gets NaN.

    Returns:
        dict: ``top1``, ``many``, ``medium``, ``few``.
    """
    pred = np.asarray(pred_labels, dtype=np.int64).ravel()
    gt = np.asarray(gt_labels, dtype=np.int64).ravel()
    if pred.shape != gt.shape:
        raise ValueError(f'{pred.size} predictions for {gt.size} labels')
    if gt.size == 0:
        raise ValueError('no test samples to evaluate')
    groups = shot_groups(train_counts, many_threshold, few_threshold)
    num_classes = len(groups)
    if gt.min() < 0 or gt.max() >= num_classes:
        raise ValueError(f'test label {int(gt.max())} is outside the '
                         f'{num_classes} classes of train_counts')
    correct = np.bincount(gt, weights=pred == gt, minlength=num_classes)
    total = np.bincount(gt, minlength=num_classes)
    result = {'top1': float(100.0 * correct.sum() / total.sum())}
    tested = total > 0
    class_acc = np.divide(correct, total, out=np.zeros(num_classes),
                          where=tested)
    for code, name in enumerate(SHOT_GROUPS):
        members = (groups == code) & tested
        result[name] = (float(100.0 * class_acc[members].mean())
                        if members.any() else float('nan'))
    return result


def relative_accuracy(accuracy: float,
                      reference_accuracy: Union[float, Sequence[float]]
                      ) -> float:
    """The survey's relative accuracy A_r = A_t / A_u, in percent.

    Args:
        accuracy (float): Top-1 accuracy A_t of the long-tailed model.
        reference_accuracy: The upper reference accuracy A_u, or the pair
            (A_v, A_b) of balanced-set accuracies whose maximum it is. Same
            unit as ``accuracy``.
    """
    refs = np.atleast_1d(np.asarray(reference_accuracy, dtype=np.float64))
    if refs.size == 0 or not (refs > 0).all():
        raise ValueError('reference_accuracy must be positive, got '
                         f'{reference_accuracy}')
    return 100.0 * float(accuracy) / float(refs.max())
