import math
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from lt_mm.datasets.label_index import indexed_label_index


class ResamplingSampler(Sampler):
    """Base of the samplers that draw a new epoch from the labels each epoch.

    Every rank draws the same epoch list from ``seed + epoch`` (the seed is
    synchronised across ranks when not given), pads it by repeating its
    head to a multiple of the world size and takes every ``world_size``-th
    index from its rank on, so shards are disjoint, cover the epoch and have
    equal lengths. The epoch length is fixed at construction because
    MMEngine's loops compute the number of iterations once.

    Subclasses set ``self.epoch_length`` (:meth:`init_epoch_length` for a
    ``num_samples`` argument) and implement :meth:`draw_epoch`.
    """

    def __init__(self, dataset, seed: Optional[int] = None) -> None:
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        # each class once per sample: samplers draw samples, not instances
        self.label_index = indexed_label_index(dataset, unique=True)
        if not self.label_index.num_images:
            raise ValueError('the dataset is empty')
        self.epoch_length = 0

    def init_epoch_length(self, num_samples: Optional[int]) -> None:
        """Fix the epoch at ``num_samples`` draws over all ranks, one per
        sample of the dataset when None."""
        if num_samples is None:
            num_samples = self.label_index.num_images
        if num_samples <= 0:
            raise ValueError(
                f'num_samples must be positive, got {num_samples}')
        self.epoch_length = int(num_samples)

    def draw_epoch(self, rng: np.random.Generator) -> np.ndarray:
        """Dataset indices of the whole epoch (all ranks), ``epoch_length``
        of them."""
        raise NotImplementedError

    @property
    def total_size(self) -> int:
        return math.ceil(self.epoch_length / self.world_size) * self.world_size

    def epoch_indices(self) -> np.ndarray:
        """This epoch's list over all ranks, padded to ``total_size``."""
        rng = np.random.default_rng(self.seed + self.epoch)
        indices = self.draw_epoch(rng)
        if len(indices) != self.epoch_length:
            raise RuntimeError(f'{type(self).__name__} drew {len(indices)} '
                               f'indices, expected {self.epoch_length}')
        return np.resize(indices, self.total_size)

    def __iter__(self) -> Iterator[int]:
        shard = self.epoch_indices()[self.rank::self.world_size]
        return iter(shard.tolist())

    def __len__(self) -> int:
        """Indices this rank yields per epoch."""
        return self.total_size // self.world_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
