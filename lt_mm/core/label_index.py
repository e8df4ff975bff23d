"""The labels of every image of a dataset, laid end to end (numpy only).

Image ``i`` owns ``labels[offsets[i]:offsets[i + 1]]``: the kept instances
of a detection image, or the label(s) of a classification sample. An image
may own no label. Repeat factors, class-aware sampling, SimCal's episodes,
LOCE's class-balanced pass and the class statistics all read this one layout;
what they need of it (each (image, class) pair once, the images of each
class) is computed here.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np


def _offsets_from_sizes(sizes: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets


@dataclass(frozen=True)
class LabelIndex:
    """Every image's labels, one after another, and where each image starts.

    Args:
        labels (np.ndarray): int64 labels (>= 0) of all images, image after
            image.
        offsets (np.ndarray): int64, ``num_images + 1`` entries rising from 0
            to ``len(labels)``: image ``i`` owns
            ``labels[offsets[i]:offsets[i + 1]]``.
    """
    labels: np.ndarray
    offsets: np.ndarray

    def __post_init__(self) -> None:
        labels = np.asarray(self.labels, dtype=np.int64).ravel()
        offsets = np.asarray(self.offsets, dtype=np.int64).ravel()
        if (offsets.size == 0 or offsets[0] != 0 or offsets[-1] != labels.size
                or np.any(np.diff(offsets) < 0)):
            raise ValueError('offsets must rise from 0 to len(labels), one '
                             'more entry than there are images')
        if labels.size and labels.min() < 0:
            raise ValueError(f'labels must be >= 0, got {int(labels.min())}')
        object.__setattr__(self, 'labels', labels)
        object.__setattr__(self, 'offsets', offsets)

    @classmethod
    def from_sizes(cls, labels: np.ndarray, sizes: np.ndarray) -> 'LabelIndex':
        """From the labels and the number of labels of each image."""
        sizes = np.asarray(sizes, dtype=np.int64).ravel()
        if np.any(sizes < 0):
            raise ValueError('image sizes must be >= 0')
        return cls(labels, _offsets_from_sizes(sizes))

    @classmethod
    def from_lists(cls,
                   labels_per_image: Sequence[Sequence[int]]) -> 'LabelIndex':
        """From the labels of each image, e.g. ``[[0, 0, 2], [], [1]]``."""
        sizes = np.fromiter((len(x) for x in labels_per_image), dtype=np.int64)
        labels = np.concatenate(
            [np.asarray(x, dtype=np.int64).ravel() for x in labels_per_image]
            or [np.zeros(0, dtype=np.int64)])
        return cls.from_sizes(labels, sizes)

    @classmethod
    def from_pairs(cls,
                   images: np.ndarray,
                   labels: np.ndarray,
                   num_images: Optional[int] = None) -> 'LabelIndex':
        """From one ``(image, label)`` pair per instance, in any order.

        Args:
            images (np.ndarray): Image index (``0 .. num_images - 1``) of
                each instance.
            labels (np.ndarray): Label of each instance.
            num_images (int, optional): Defaults to ``images.max() + 1``.

        Returns:
            LabelIndex: Each image's labels in the order the instances came.
        """
        images = np.asarray(images, dtype=np.int64).ravel()
        labels = np.asarray(labels, dtype=np.int64).ravel()
        if images.shape != labels.shape:
            raise ValueError(f'{images.size} image indices for '
                             f'{labels.size} labels')
        if num_images is None:
            num_images = int(images.max()) + 1 if images.size else 0
        if images.size and (images.min() < 0 or images.max() >= num_images):
            raise ValueError(f'image indices must lie in [0, {num_images})')
        order = np.argsort(images, kind='stable')
        return cls.from_sizes(labels[order],
                              np.bincount(images, minlength=num_images))

    @classmethod
    def concatenate(cls, indices: Sequence['LabelIndex']) -> 'LabelIndex':
        """The images of ``indices`` one dataset after another."""
        if not len(indices):
            return cls(np.zeros(0, np.int64), np.zeros(1, np.int64))
        return cls.from_sizes(
            np.concatenate([index.labels for index in indices]),
            np.concatenate([index.sizes for index in indices]))

    @property
    def num_images(self) -> int:
        return len(self.offsets) - 1

    @property
    def sizes(self) -> np.ndarray:
        """Number of labels of each image."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return self.num_images

    def __getitem__(self, image: int) -> np.ndarray:
        """The labels of one image."""
        if not -self.num_images <= image < self.num_images:
            raise IndexError(
                f'image {image} is outside the {self.num_images} images')
        image %= self.num_images
        return self.labels[self.offsets[image]:self.offsets[image + 1]]

    def tile(self, times: int) -> 'LabelIndex':
        """The images repeated ``times`` over, as a RepeatDataset serves
        them."""
        return self.from_sizes(np.tile(self.labels, times),
                               np.tile(self.sizes, times))

    def label_images(self) -> np.ndarray:
        """The image of each label (int64, ``len(labels)``)."""
        return np.repeat(np.arange(self.num_images, dtype=np.int64),
                         self.sizes)

    def image_class_pairs(self) -> Tuple[np.ndarray, np.ndarray]:
        """Every (image, class) pair once, however many instances of the
        class the image holds.

        Returns:
            tuple[np.ndarray, np.ndarray]: ``images`` and ``classes``
            (int64), sorted by image, then class.
        """
        if not self.labels.size:
            return self.labels.copy(), self.labels.copy()
        stride = int(self.labels.max()) + 1
        # Keys are already grouped by image, which timsort ('stable')
        # exploits; np.unique would hash them first, several times slower at
        # LVIS scale.
        keys = np.sort(self.label_images() * stride + self.labels,
                       kind='stable')
        pairs = keys[np.r_[True, keys[1:] != keys[:-1]]]
        return pairs // stride, pairs % stride

    def unique(self) -> 'LabelIndex':
        """Each image's distinct labels, in increasing order; what image
        counts, repeat factors and class-aware sampling need, and memory
        O(images) rather than O(instances)."""
        images, classes = self.image_class_pairs()
        return self.from_sizes(classes,
                               np.bincount(images, minlength=self.num_images))

    def class_images(self,
                     num_classes: Optional[int] = None) -> List[np.ndarray]:
        """The images that hold each class.

        Args:
            num_classes (int, optional): Defaults to ``labels.max() + 1``.

        Returns:
            list[np.ndarray]: For each class, the increasing indices (int64)
            of the images with at least one of its labels; empty for a class
            without labels.
        """
        max_label = int(self.labels.max()) if self.labels.size else -1
        if num_classes is None:
            num_classes = max_label + 1
        if max_label >= num_classes:
            raise ValueError(
                f'labels must lie in [0, {num_classes}), got {max_label}')
        images, classes = self.image_class_pairs()
        # stable: each class keeps its images in increasing order
        order = np.argsort(classes, kind='stable')
        bounds = np.searchsorted(classes[order], np.arange(num_classes + 1))
        images = images[order]
        return [images[bounds[c]:bounds[c + 1]] for c in range(num_classes)]

    def class_image_counts(self,
                           num_classes: Optional[int] = None) -> np.ndarray:
        """Number of images that hold each class."""
        if num_classes is None:
            num_classes = int(self.labels.max()) + 1 if self.labels.size else 0
        return np.bincount(self.image_class_pairs()[1], minlength=num_classes)
