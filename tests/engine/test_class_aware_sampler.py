"""lt_mm.ClassAwareSampler: the round-robin class-aware sampler of cRT / LWS
(facebookresearch/classifier-balancing, data/ClassAwareSampler.py L24-L82,
``num_samples_cls: 4`` in config/ImageNet_LT/cls_crt.yaml and cls_lws.yaml)
and of MiSLAS' second stage (dvlab-research/MiSLAS, datasets/sampler.py
L89-L147, used by datasets/cifar100.py L95-L99)."""
from collections import Counter

import numpy as np
import pytest
from mmengine.dataset import BaseDataset
from mmengine.registry import DATA_SAMPLERS

from lt_mm.datasets import ClassAwareSampler
from lt_mm.datasets.samplers import resampling_sampler

# 16, 6 and 2 images of classes 0, 1, 2 (24 in all), interleaved
COUNTS = (16, 6, 2)
LABELS = [0] * 16 + [1] * 6 + [2] * 2
LABELS = [LABELS[i] for i in np.random.default_rng(0).permutation(24)]


class InMemoryClsDataset(BaseDataset):
    """mmpretrain-style samples with a ``gt_label``; also answers mmdet's
    class-aware sampler (``get_cat_ids``, ``metainfo['classes']``)."""
    METAINFO = dict(classes=('a', 'b', 'c'))

    def __init__(self, gt_labels):
        self._given = gt_labels
        super().__init__(
            ann_file='', data_root='', pipeline=[], serialize_data=False)

    def load_data_list(self):
        return [dict(gt_label=y if isinstance(y, list) else int(y))
                for y in self._given]

    def get_cat_ids(self, idx):
        return [self.get_data_info(idx)['gt_label']]


def structure(indices, labels, k):
    """Per-class draw counts and, per class, the sorted draw counts of its
    samples; checks the chunks of ``k`` and the class passes on the way."""
    labels = np.asarray(labels)
    drawn = labels[indices]
    chunks = drawn.reshape(-1, k)
    assert (chunks == chunks[:, :1]).all(), 'a chunk mixes classes'
    classes = len(COUNTS)
    for start in range(0, len(chunks) - classes + 1, classes):
        # every pass over the classes visits each class once
        assert sorted(chunks[start:start + classes, 0]) == list(range(classes))
    per_sample = Counter(indices)
    return ([int((drawn == c).sum()) for c in range(classes)], [
        sorted(per_sample[i] for i in np.flatnonzero(labels == c))
        for c in range(classes)
    ])


@pytest.mark.parametrize('seed', [0, 1, 7])
def test_round_robin_over_classes_in_chunks_of_four(seed):
    """An epoch of 24 draws is 6 chunks of 4: two passes over the 3
    classes, so every class gets 2 chunks = 8 draws (the authors' generator,
    classifier-balancing data/ClassAwareSampler.py L45-L63: a class from
    the shuffled class cycle, then 4 consecutive items of its own shuffled
    cycle, L24-L43). Class 0 (16 images) hands out 8 distinct images;
    class 1 (6 images) one full pass and 2 more; class 2 (2 images) four
    passes, each image 4 times. An i.i.d. class-balanced draw has none of
    these exact counts."""
    sampler = ClassAwareSampler(InMemoryClsDataset(LABELS), seed=seed)
    assert sampler.num_samples_cls == 4
    assert len(sampler) == 24  # len(dataset) by default
    for epoch in range(3):
        sampler.set_epoch(epoch)
        counts, per_sample = structure(list(sampler), LABELS, 4)
        assert counts == [8, 8, 8]
        assert per_sample == [[0] * 8 + [1] * 8, [1] * 4 + [2] * 2, [4, 4]]


def test_a_class_cycle_is_exhausted_before_it_repeats():
    """Class 1's first 6 draws are its 6 images, each once (RandomCycleIter
    reshuffles only after a full pass, data/ClassAwareSampler.py L35-L43)."""
    sampler = ClassAwareSampler(
        InMemoryClsDataset(LABELS), num_samples_cls=1, num_samples=60,
        seed=3)
    drawn = list(sampler)
    ones = [i for i in drawn if LABELS[i] == 1]
    assert len(ones) == 20
    for start in (0, 6, 12):
        assert sorted(ones[start:start + 6]) == sorted(
            i for i, y in enumerate(LABELS) if y == 1)


def test_same_draw_structure_as_mmdet_class_aware_sampler():
    """mmdet 3.3's ClassAwareSampler (mmdet/datasets/samplers/
    class_aware_sampler.py) walks the same two cycles, a full pass over the
    classes per bin; with ``num_sample_class=4`` and an epoch of
    ``len(dataset)`` on one rank its per-class and per-image counts equal
    ours (the random orders differ: torch vs numpy generators)."""
    mmdet_samplers = pytest.importorskip('mmdet.datasets.samplers')
    dataset = InMemoryClsDataset(LABELS)
    for seed in (0, 5):
        theirs = mmdet_samplers.ClassAwareSampler(
            dataset, seed=seed, num_sample_class=4)
        ours = ClassAwareSampler(dataset, num_samples_cls=4, seed=seed)
        assert len(theirs) == len(ours) == 24
        assert structure(list(theirs), LABELS, 4) == \
            structure(list(ours), LABELS, 4)


def test_seed_and_epoch_determine_the_epoch():
    dataset = InMemoryClsDataset(LABELS)
    a, b = ClassAwareSampler(dataset, seed=2), ClassAwareSampler(
        dataset, seed=2)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first


@pytest.mark.parametrize('world_size', [2, 3])
def test_distributed_shards_are_disjoint_complete_and_equal(
        monkeypatch, world_size):
    shards = []
    for rank in range(world_size):
        monkeypatch.setattr(resampling_sampler, 'get_dist_info',
                            lambda rank=rank: (rank, world_size))
        sampler = ClassAwareSampler(InMemoryClsDataset(LABELS),
                                    num_samples=25, seed=4)
        sampler.set_epoch(2)
        shards.append(list(sampler))
        full = sampler.epoch_indices()
    assert len({len(s) for s in shards}) == 1
    np.testing.assert_array_equal(np.array(shards).T.ravel(), full)
    # the 25 draws padded by repeating the head of the same list
    np.testing.assert_array_equal(full[25:], full[:len(full) - 25])


def test_empty_classes_skipped_multi_label_samples_join_each_class():
    # class 1 has no sample; sample 2 carries classes 0 and 2
    dataset = InMemoryClsDataset([0, 0, [0, 2], 3, 3, 3])
    sampler = ClassAwareSampler(dataset, num_samples_cls=1, num_samples=30,
                                seed=0)
    drawn = Counter(list(sampler))
    # classes 0, 2, 3 each get 10 draws; class 2's only sample is 2
    assert drawn[3] + drawn[4] + drawn[5] == 10
    assert drawn[0] + drawn[1] + drawn[2] == 20
    assert drawn[2] >= 10


def test_built_from_config_and_bad_arguments():
    dataset = InMemoryClsDataset(LABELS)
    sampler = DATA_SAMPLERS.build(
        dict(type='lt_mm.ClassAwareSampler', dataset=dataset, seed=0))
    assert isinstance(sampler, ClassAwareSampler)
    with pytest.raises(ValueError, match='num_samples_cls'):
        ClassAwareSampler(dataset, num_samples_cls=0)
    with pytest.raises(ValueError, match='num_samples must be positive'):
        ClassAwareSampler(dataset, num_samples=0)
