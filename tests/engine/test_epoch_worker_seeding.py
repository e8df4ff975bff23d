"""lt_mm.engine.EpochWorkerSeeding: a worker's draws depend on the epoch,
not on when the worker started.

MMEngine seeds a worker once, at start-up, from ``seed + worker_id +
num_workers * rank`` (mmengine/dataset/utils.py L19-L41, ``worker_init_fn``),
so persistent workers continue one sequence over all epochs and workers
started later (a resumed run) begin it again;
``test_mmengine_seeding_depends_on_when_workers_started`` shows it.
"""
import random
from functools import partial

import numpy as np
import torch
from mmengine.dataset import worker_init_fn as mmengine_worker_init_fn
from torch.utils.data import DataLoader, Dataset, get_worker_info

from lt_mm.engine import EpochWorkerSeeding


class Draws(Dataset):
    """Each item: which worker loaded it and one draw of every generator."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return (index, get_worker_info().id, random.random(),
                float(np.random.rand()), torch.rand(()).item())


class BatchDraws(Draws):
    """A dataset with its own batched loading."""

    def __getitems__(self, indices):
        return [('batch', ) + self[i] for i in indices]


def loader(worker_init_fn, persistent_workers=True, dataset=None):
    return DataLoader(
        dataset or Draws(),
        batch_size=2,
        num_workers=2,
        persistent_workers=persistent_workers,
        worker_init_fn=worker_init_fn,
        collate_fn=lambda batch: batch)


def epoch_draws(data_loader, seeding, epochs):
    result = []
    for epoch in epochs:
        if seeding is not None:
            seeding.set_epoch(epoch)
        result.append([item for batch in data_loader for item in batch])
    return result


def test_workers_started_for_a_later_epoch_draw_the_same():
    seeding = EpochWorkerSeeding(seed=5, rank=0)
    whole = epoch_draws(loader(seeding), seeding, [0, 1, 2])
    for persistent in (True, False):
        later = EpochWorkerSeeding(seed=5, rank=0)
        assert epoch_draws(loader(later, persistent), later,
                           [2]) == whole[2:]
    # both workers loaded batches, and the epochs differ
    assert {item[1] for item in whole[2]} == {0, 1}
    assert len({str([item[2:] for item in epoch])
                for epoch in whole}) == 3


def test_rank_and_seed_change_the_draws():
    runs = set()
    for seed, rank in [(5, 0), (5, 1), (6, 0)]:
        seeding = EpochWorkerSeeding(seed=seed, rank=rank)
        runs.add(str(epoch_draws(loader(seeding), seeding, [0])))
    assert len(runs) == 3


def _count_start(worker_id, starts):
    starts.put(worker_id)


def test_the_previous_init_fn_runs_once_per_worker():
    starts = torch.multiprocessing.get_context('fork').Queue()
    seeding = EpochWorkerSeeding(
        seed=5, rank=0, init_fn=partial(_count_start, starts=starts))
    epoch_draws(loader(seeding), seeding, [0, 1])
    assert sorted(starts.get(timeout=10) for _ in range(2)) == [0, 1]
    assert starts.empty()


def test_a_datasets_own_batch_loading_is_kept():
    seeding = EpochWorkerSeeding(seed=5, rank=0)
    [items] = epoch_draws(loader(seeding, dataset=BatchDraws()), seeding, [0])
    assert all(item[0] == 'batch' for item in items)


def test_mmengine_seeding_depends_on_when_workers_started():
    init_fn = partial(mmengine_worker_init_fn, num_workers=2, rank=0, seed=5)
    whole = epoch_draws(loader(init_fn), None, [0, 1])
    later = epoch_draws(loader(init_fn), None, [1])
    assert later[0] != whole[1] and later[0] == whole[0]
