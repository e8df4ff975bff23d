"""The paired loader of BBN and CMO: lt_mm.PairedDataset shows the
training set as two tagged streams, lt_mm.PairedSampler interleaves a
first sampler (uniform / instance) with a second (reversed /
class-balanced) over it, per rank, seeded, resumable. The authors draw the
second image in the dataset (Megvii-Nanjing/BBN,
lib/dataset/imbalance_cifar.py L114-L131: class by weight max_n / n_j,
then a sample of it) or from a second DataLoader (naver-ai/cmo,
cifar_train.py L173-L177, L283-L290), on one process."""
import numpy as np
import pytest

pytest.importorskip('mmpretrain')

from mmengine.dataset import sampler as mmengine_sampler  # noqa: E402

import lt_mm  # noqa: E402,F401
from lt_mm.datasets import (ClassBalancedSampler, PairedDataset,  # noqa
                            PairedSampler, ReversedSampler, paired_streams)
from lt_mm.datasets.samplers import (paired_sampler,  # noqa: E402
                                     resampling_sampler)
from lt_mm.registry import DATASETS  # noqa: E402

COUNTS = [12, 6, 3, 1]


class Labels:
    """A dataset of single-label samples: class c has COUNTS[c] samples."""

    def __init__(self):
        self.labels = [c for c, n in enumerate(COUNTS) for _ in range(n)]
        from mmpretrain.structures import DataSample
        self._sample = DataSample

    def __len__(self):
        return len(self.labels)

    def get_data_info(self, i):
        return dict(gt_label=self.labels[i])

    def __getitem__(self, i):
        return dict(inputs=i,
                    data_samples=self._sample().set_gt_label(self.labels[i]))


def test_dataset_shows_two_tagged_streams():
    data = PairedDataset(Labels())
    assert len(data) == 2 * 22
    first, second = data[3], data[22 + 3]
    assert first['inputs'] == second['inputs'] == 3
    assert first['data_samples'].metainfo['paired_stream'] == 0
    assert second['data_samples'].metainfo['paired_stream'] == 1
    with pytest.raises(IndexError):
        data[44]
    built = DATASETS.build(
        dict(type='lt_mm.PairedDataset', dataset=Labels()))
    assert len(built) == 44


def test_sampler_interleaves_the_two_samplers():
    """Item 2k is the first sampler's k-th index, item 2k + 1 the second's
    (shifted by N): the second is the named sampler seeded from the seed,
    with as many draws as the first."""
    data = PairedDataset(Labels())
    sampler = PairedSampler(data, seed=7)
    items = list(sampler)
    assert len(items) == len(sampler) == 44
    first = items[0::2]
    second = [i - 22 for i in items[1::2]]
    assert sorted(first) == list(range(22))  # DefaultSampler: each once
    assert min(items[1::2]) >= 22
    reversed_draws = ReversedSampler(
        data.dataset, num_samples=22,
        seed=int(np.random.SeedSequence([7, 1]).generate_state(1)[0]))
    assert second == list(reversed_draws)


def test_streams_follow_their_sampling_weights():
    """BBN's reversed sampler: class j with weight max_n / n_j
    (imbalance_cifar.py L86): 1 : 2 : 4 : 12 of 19 for 12 / 6 / 3 / 1
    samples; CMO's class-balanced sampler: 1/4 each (imbalance_cifar.py
    L89-L98, weights 1 / n_y per sample)."""
    data = PairedDataset(Labels())
    labels = np.array(data.dataset.labels)
    counts = {}
    for name, cfg in (('reversed', dict(type='lt_mm.ReversedSampler')),
                      ('balanced', dict(type='lt_mm.ClassBalancedSampler'))):
        draws = []
        sampler = PairedSampler(data, paired_sampler=cfg, seed=0)
        for epoch in range(200):
            sampler.set_epoch(epoch)
            draws += [i - 22 for i in list(sampler)[1::2]]
        counts[name] = np.bincount(labels[draws], minlength=4) / len(draws)
    assert counts['reversed'] == pytest.approx(
        np.array([1, 2, 4, 12]) / 19, abs=0.02)
    assert counts['balanced'] == pytest.approx([0.25] * 4, abs=0.02)


def test_each_rank_draws_its_own_shard_of_both_streams(monkeypatch):
    """Two ranks with one seed: the first streams are disjoint and cover
    the data, the second streams are the second sampler's two shards."""
    data = PairedDataset(Labels())
    shards = []
    for rank in (0, 1):
        for module in (paired_sampler, resampling_sampler, mmengine_sampler):
            monkeypatch.setattr(module, 'get_dist_info',
                                lambda rank=rank: (rank, 2))
        sampler = PairedSampler(
            data, paired_sampler=dict(type='lt_mm.ClassBalancedSampler'),
            seed=3)
        sampler.set_epoch(2)
        shards.append(list(sampler))
        assert len(sampler) == 22
    first = [s[0::2] for s in shards]
    assert not set(first[0]) & set(first[1])
    assert sorted(first[0] + first[1]) == list(range(22))
    whole = ClassBalancedSampler(
        data.dataset, num_samples=22,
        seed=int(np.random.SeedSequence([3, 1]).generate_state(1)[0]))
    whole.set_epoch(2)
    epoch = whole.epoch_indices()
    for rank in (0, 1):
        assert [i - 22 for i in shards[rank][1::2]] == \
            epoch[rank::2].tolist()


def test_seed_and_epoch_fix_the_pairs():
    """Same seed and epoch: the same pairs (a resumed run repeats them);
    another epoch or seed: other pairs."""
    data = PairedDataset(Labels())

    def epoch_items(seed, epoch):
        sampler = PairedSampler(data, seed=seed)
        sampler.set_epoch(epoch)
        return list(sampler)

    assert epoch_items(5, 4) == epoch_items(5, 4)
    assert epoch_items(5, 4)[1::2] != epoch_items(5, 5)[1::2]
    assert epoch_items(5, 4)[0::2] != epoch_items(5, 5)[0::2]
    assert epoch_items(5, 4) != epoch_items(6, 4)


def test_bad_inputs_say_what_to_use():
    with pytest.raises(TypeError, match='PairedDataset'):
        PairedSampler(Labels(), seed=0)
    data = PairedDataset(Labels())
    with pytest.raises(ValueError, match='fewer than the first'):
        PairedSampler(data, paired_sampler=dict(
            type='lt_mm.ReversedSampler', num_samples=4), seed=0)
    samples = [data[0]['data_samples'], data[22]['data_samples'],
               data[1]['data_samples']]
    with pytest.raises(ValueError, match='even'):
        paired_streams(samples)
    assert paired_streams(samples[:2]) == ([0], [1])
