from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed

from lt_mm.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class PairedSampler:
    """Two samplers over one dataset, interleaved: the loader of BBN (a
    uniform and a reversed sampler, Zhou et al., CVPR 2020) and of CMO (an
    instance and a class-balanced sampler, Park et al., CVPR 2022).

    For a :class:`lt_mm.PairedDataset` over ``N`` samples, each rank yields
    ``a_1, N + b_1, a_2, N + b_2, ...``: ``a_k`` from its shard of the first
    sampler, ``b_k`` from its shard of the second, so a batch of ``2 B``
    items holds ``B`` pairs (``batch_size`` counts items: 256 for 128
    pairs). Both samplers shard by rank themselves (MMEngine's
    ``DefaultSampler``, :class:`lt_mm.ResamplingSampler`), ``set_epoch``
    reaches both, and both are seeded from ``seed`` (the second with a seed
    derived from it), so an epoch's pairs depend only on the seed and the
    epoch and a resumed run draws what the uninterrupted run drew.

    The second stream has as many draws as the first: its ``num_samples``
    is set to the first sampler's length times the world size unless its
    config gives one (it must then give each rank at least as many).

    Args:
        dataset (PairedDataset): The paired training set.
        sampler (dict): The first stream's sampler. Defaults to MMEngine's
            shuffling ``DefaultSampler`` (each sample once an epoch).
        paired_sampler (dict): The second stream's sampler, one taking
            ``num_samples``. Defaults to :class:`lt_mm.ReversedSampler`.
        seed (int, optional): Random seed, the same on every rank;
            synchronised across ranks when None. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 sampler: dict = dict(type='DefaultSampler', shuffle=True),
                 paired_sampler: dict = dict(type='lt_mm.ReversedSampler'),
                 seed: Optional[int] = None) -> None:
        if not hasattr(dataset, 'dataset') or len(dataset) != 2 * len(
                dataset.dataset):
            raise TypeError(
                'PairedSampler draws from a lt_mm.PairedDataset, got '
                f'{type(dataset).__name__}: wrap the training set in '
                "dict(type='lt_mm.PairedDataset', dataset=...)")
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else int(seed)
        inner = dataset.dataset
        self.num_inner = len(inner)
        self.first = DATA_SAMPLERS.build(
            dict(sampler), default_args=dict(dataset=inner, seed=self.seed))
        second_cfg = dict(paired_sampler)
        second_cfg.setdefault('num_samples',
                              len(self.first) * self.world_size)
        # an independent stream: not seed + k, which would replay the first
        # stream's draws of a later epoch in samplers seeded by seed + epoch
        second_seed = int(
            np.random.SeedSequence([self.seed, 1]).generate_state(1)[0])
        self.second = DATA_SAMPLERS.build(
            second_cfg, default_args=dict(dataset=inner, seed=second_seed))
        if len(self.second) < len(self.first):
            raise ValueError(
                f'the second sampler yields {len(self.second)} indices per '
                f'rank, fewer than the first ({len(self.first)}); leave its '
                'num_samples unset')

    def __iter__(self) -> Iterator[int]:
        pairs = zip(iter(self.first), iter(self.second))
        for a, b in pairs:
            yield int(a)
            yield self.num_inner + int(b)

    def __len__(self) -> int:
        """Items this rank yields per epoch: two per pair."""
        return 2 * len(self.first)

    def set_epoch(self, epoch: int) -> None:
        for sampler in (self.first, self.second):
            if hasattr(sampler, 'set_epoch'):
                sampler.set_epoch(epoch)
