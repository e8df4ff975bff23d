"""Per-class training statistics shared by every long-tailed method.

LVIS (Gupta et al., CVPR 2019) groups categories by the number of training
*images* that contain them: rare 1-10, common 11-100, frequent > 100.
"""
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .label_index import LabelIndex

#: LVIS frequency group names, in the order of :attr:`FREQUENCY_GROUPS`.
FREQUENCY_GROUPS = ('r', 'c', 'f')


def frequency_groups(image_counts: np.ndarray,
                     rare_max: int = 10,
                     common_max: int = 100) -> np.ndarray:
    """LVIS frequency group of each class from its training image count.

    Args:
        image_counts (np.ndarray): Training images containing each class.
        rare_max (int): Most images of a rare class. Defaults to 10.
        common_max (int): Most images of a common class. Defaults to 100.

    Returns:
        np.ndarray: One of ``'r'``, ``'c'``, ``'f'`` per class; a class seen in
        no image counts as rare.
    """
    image_counts = np.asarray(image_counts)
    return np.where(image_counts <= rare_max, 'r',
                    np.where(image_counts <= common_max, 'c', 'f'))


@dataclass(frozen=True)
class ClassStatistics:
    """Counts of a training set, indexed by contiguous class label.

    Args:
        instance_counts (np.ndarray): Instances (or samples) of each class.
        image_counts (np.ndarray): Images containing each class at least once.
        num_images (int): Images with at least one instance.
        frequency (np.ndarray): LVIS group ``'r'``/``'c'``/``'f'`` of each
            class; from the dataset's own ``frequency`` field when it has one.
    """
    instance_counts: np.ndarray
    image_counts: np.ndarray
    num_images: int
    frequency: np.ndarray

    @property
    def num_classes(self) -> int:
        return len(self.instance_counts)

    @classmethod
    def from_labels(cls,
                    labels_per_image: Sequence[Sequence[int]],
                    num_classes: int,
                    frequency: Optional[Sequence[str]] = None
                    ) -> 'ClassStatistics':
        """Count classes from the labels of every image.

        Args:
            labels_per_image: Labels of the (kept) instances of each image;
                a classification sample is an image with one label.
            num_classes (int): Number of classes of the dataset.
            frequency: LVIS frequency field per class, if the annotation file
                has one; otherwise derived from the image counts.
        """
        return cls.from_label_index(
            LabelIndex.from_lists(labels_per_image), num_classes, frequency)

    @classmethod
    def from_label_index(cls,
                         index: LabelIndex,
                         num_classes: int,
                         frequency: Optional[Sequence[str]] = None
                         ) -> 'ClassStatistics':
        """Like :meth:`from_labels`, from a :class:`LabelIndex`."""
        if num_classes <= 0:
            raise ValueError(
                f'num_classes must be positive, got {num_classes}')
        labels = index.labels
        if not len(labels):
            raise ValueError('the training dataset has no labelled instances; '
                             'class statistics cannot be computed')
        bad = labels[labels >= num_classes]  # LabelIndex refused < 0
        if bad.size:
            raise ValueError(
                f'label {int(bad[0])} is outside [0, {num_classes}): the '
                f'dataset has more classes than num_classes={num_classes}')
        image_counts = index.class_image_counts(num_classes)
        if frequency is None:
            frequency = frequency_groups(image_counts)
        else:
            frequency = np.asarray(frequency)
            if len(frequency) != num_classes or not np.isin(
                    frequency, FREQUENCY_GROUPS).all():
                raise ValueError(
                    f'frequency must give one of {FREQUENCY_GROUPS} for each '
                    f'of the {num_classes} classes')
        return cls(
            instance_counts=np.bincount(labels, minlength=num_classes),
            image_counts=image_counts,
            num_images=int((index.sizes > 0).sum()),
            frequency=frequency)
