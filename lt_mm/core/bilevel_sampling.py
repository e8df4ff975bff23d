"""Bi-level (class, then image) episode sampling of SimCal (numpy only).

Wang et al., "The Devil is in Classification: A Simple Framework for
Long-tail Instance Segmentation", ECCV 2020. An episode draws ``nc`` classes
uniformly from the classes that occur in the training set, then ``k`` images
containing each class, uniformly and with replacement::

    c_1 .. c_nc ~ U{c : images(c) > 0}      (with replacement)
    I_{c, 1} .. I_{c, k} ~ U(images(c))      (with replacement)

so every class, however rare, is seen equally often. Both draws are with
replacement in the authors' sampler (twangnh/SimCal,
mmdet/datasets/loader/sampler.py L87: ``np.random.choice`` of the classes
with its default ``replace=True``; L93: ``random.choices`` of the images),
so an episode may hold a class twice. The image is served
together with the class it was drawn for: the calibration head learns from
that class's RoIs only. The images of each class come from
:meth:`lt_mm.core.label_index.LabelIndex.class_images`.
"""
from typing import List, Optional, Tuple

import numpy as np


def draw_episodes(class_images: List[np.ndarray],
                  num_episodes: int,
                  classes_per_episode: int = 16,
                  images_per_class: int = 1,
                  rng: Optional[np.random.Generator] = None
                  ) -> Tuple[np.ndarray, np.ndarray]:
    """Draw SimCal episodes.

    Args:
        class_images (list[np.ndarray]): Images of each class
            (:meth:`lt_mm.core.label_index.LabelIndex.class_images`).
        num_episodes (int): Episodes to draw.
        classes_per_episode (int): ``nc``, 16 in the paper, drawn with
            replacement.
        images_per_class (int): ``bs / nc`` images drawn for each class.
        rng (np.random.Generator, optional): The random source.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``images`` and ``classes`` (int64),
        each ``num_episodes * classes_per_episode * images_per_class`` long:
        episode after episode, class after class, the image indices and the
        class each was drawn for.
    """
    for name, value in (('num_episodes', num_episodes),
                        ('classes_per_episode', classes_per_episode),
                        ('images_per_class', images_per_class)):
        if int(value) != value or value < 1:
            raise ValueError(f'{name} must be a positive integer, got {value}')
    rng = np.random.default_rng() if rng is None else rng
    present = np.array([c for c, imgs in enumerate(class_images) if len(imgs)],
                       dtype=np.int64)
    if len(present) == 0:
        raise ValueError('no class has an image to draw')
    classes = rng.choice(present, num_episodes * classes_per_episode)
    classes = np.repeat(classes, images_per_class)
    sizes = np.array([len(class_images[c]) for c in classes])
    picks = (rng.random(len(classes)) * sizes).astype(np.int64)
    images = np.array(
        [class_images[c][i] for c, i in zip(classes, picks)], dtype=np.int64)
    return images, classes
