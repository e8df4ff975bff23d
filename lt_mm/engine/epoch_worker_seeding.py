"""Data-loader workers whose random streams start afresh every epoch.

MMEngine seeds a worker once, when it starts, from ``seed + worker_id +
num_workers * rank``. With ``persistent_workers=True`` the workers live
through all epochs, so epoch ``e``'s augmentation continues the stream of
epochs ``0 .. e - 1``; a run resumed at epoch ``e`` starts new workers and
replays epoch 0's augmentation instead. (With ``persistent_workers=False``
every epoch restarts the workers and replays that same sequence.)

:class:`EpochWorkerSeeding` is a ``worker_init_fn`` that makes each worker
reseed ``random``, numpy and torch from ``(seed, epoch, rank, worker_id)``
before the first batch it loads in an epoch, so epoch ``e``'s augmentation
is the same whenever its workers were started. The main process publishes
the epoch in a shared-memory tensor (:meth:`EpochWorkerSeeding.set_epoch`,
called before the epoch's loader iterator exists, so no batch of the new
epoch is in flight yet); the worker reads it in a ``__getitems__`` that it
installs on its own copy of the dataset, which PyTorch's map-style fetcher
calls with every batch of indices.
"""
from typing import Callable, Optional

import torch
from torch.utils.data import get_worker_info

from lt_mm.core.rng_state import seed_rngs


class EpochWorkerSeeding:
    """A ``worker_init_fn`` that reseeds each worker at every epoch.

    Args:
        seed (int): The run's seed.
        rank (int): This process's rank, so ranks draw different streams.
        init_fn (callable, optional): The loader's previous
            ``worker_init_fn``, still called once when a worker starts.
            Defaults to None.
    """

    def __init__(self,
                 seed: int,
                 rank: int,
                 init_fn: Optional[Callable[[int], None]] = None) -> None:
        if seed is None or seed < 0 or rank < 0:
            raise ValueError('EpochWorkerSeeding needs a non-negative seed '
                             f'and rank, got seed={seed}, rank={rank}')
        self.seed = int(seed)
        self.rank = int(rank)
        self.init_fn = init_fn
        # shared memory: persistent workers see the epochs the main process
        # sets after they started (fork and spawn alike)
        self.epoch = torch.zeros((), dtype=torch.int64).share_memory_()

    def set_epoch(self, epoch: int) -> None:
        """Publish the epoch whose batches the workers load next."""
        self.epoch.fill_(int(epoch))

    def __call__(self, worker_id: int) -> None:
        if self.init_fn is not None:
            self.init_fn(worker_id)
        dataset = get_worker_info().dataset
        load_batch = getattr(dataset, '__getitems__', None)
        if load_batch is None:

            def load_batch(indices):
                return [dataset[i] for i in indices]

        seeded_epoch = None

        def load_seeded_batch(indices):
            nonlocal seeded_epoch
            epoch = int(self.epoch)
            if epoch != seeded_epoch:
                seed_rngs(self.seed, epoch, self.rank, worker_id)
                seeded_epoch = epoch
            return load_batch(indices)

        # PyTorch's fetcher looks __getitems__ up on the dataset object, so
        # this worker's copy of the dataset loads every batch through here
        dataset.__getitems__ = load_seeded_batch
