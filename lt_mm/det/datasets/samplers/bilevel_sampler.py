import math
from typing import Iterator, Optional, Tuple

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from lt_mm.core.bilevel_sampling import draw_episodes
from lt_mm.datasets.label_index import indexed_label_index
from lt_mm.registry import DATA_SAMPLERS
from ..sampled_class_dataset import SampledClassDataset


@DATA_SAMPLERS.register_module()
class BiLevelSampler(Sampler):
    """SimCal's bi-level sampler: classes, then images containing them.

    arXiv: https://arxiv.org/abs/2007.11978

    Wang et al., "The Devil is in Classification: A Simple Framework for
    Long-tail Instance Segmentation", ECCV 2020. Each episode draws
    ``classes_per_episode`` (nc = 16) classes uniformly from the classes
    with at least one instance, then ``images_per_class`` (bs / nc) images
    containing each, both with replacement as in the authors' sampler
    (:mod:`lt_mm.core.bilevel_sampling`).
    It yields ``(image index, class)`` pairs for
    :class:`lt_mm.SampledClassDataset`, which tells the model the class each
    image was drawn for.

    Every rank draws the same episodes from ``seed + epoch`` and takes every
    ``world_size``-th pair from its rank on, so with
    ``batch_size * world_size == classes_per_episode * images_per_class``
    each iteration is one episode across the ranks, which
    :class:`lt_mm.SimCalRoIHead` trains as one process would. One epoch is
    ``episodes_per_epoch`` episodes (1000 in the paper), whatever the
    dataset's size.

    Args:
        dataset (SampledClassDataset): The training set, wrapped.
        classes_per_episode (int): nc. Defaults to 16.
        images_per_class (int): Images per drawn class. Defaults to 1 (an
            episode of 16 images: 8 GPUs x 2).
        episodes_per_epoch (int): Defaults to 1000.
        seed (int, optional): Synchronised across ranks when not given.
    """

    def __init__(self,
                 dataset,
                 classes_per_episode: int = 16,
                 images_per_class: int = 1,
                 episodes_per_epoch: int = 1000,
                 seed: Optional[int] = None) -> None:
        if not isinstance(dataset, SampledClassDataset):
            raise TypeError(
                'BiLevelSampler yields (image, class) pairs; wrap the '
                "training set in dict(type='lt_mm.SampledClassDataset', "
                f'dataset=...), got {type(dataset).__name__}')
        for name, value in (('classes_per_episode', classes_per_episode),
                            ('images_per_class', images_per_class),
                            ('episodes_per_epoch', episodes_per_epoch)):
            if int(value) != value or value < 1:
                raise ValueError(
                    f'{name} must be a positive integer, got {value}')
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.classes_per_episode = int(classes_per_episode)
        self.images_per_class = int(images_per_class)
        self.episodes_per_epoch = int(episodes_per_epoch)
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        dataset.full_init()
        self.class_images = indexed_label_index(
            dataset.dataset).class_images(len(dataset.metainfo['classes']))
        if not any(len(images) for images in self.class_images):
            raise ValueError('the training set holds no instance to sample')

    @property
    def episode_size(self) -> int:
        return self.classes_per_episode * self.images_per_class

    @property
    def total_size(self) -> int:
        size = self.episodes_per_epoch * self.episode_size
        return math.ceil(size / self.world_size) * self.world_size

    def epoch_pairs(self) -> Tuple[np.ndarray, np.ndarray]:
        """This epoch's images and their classes over all ranks, padded to
        ``total_size`` by repeating the head."""
        images, classes = draw_episodes(
            self.class_images,
            self.episodes_per_epoch,
            self.classes_per_episode,
            self.images_per_class,
            rng=np.random.default_rng(self.seed + self.epoch))
        return (np.resize(images, self.total_size),
                np.resize(classes, self.total_size))

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        images, classes = self.epoch_pairs()
        shard = slice(self.rank, None, self.world_size)
        return iter(zip(images[shard].tolist(), classes[shard].tolist()))

    def __len__(self) -> int:
        """Pairs this rank yields per epoch."""
        return self.total_size // self.world_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
