from collections import Counter

import numpy as np
import pytest
from mmdet.datasets import BaseDetDataset
from mmengine.dataset import (BaseDataset, ClassBalancedDataset,
                              ConcatDataset, RepeatDataset)
from mmengine.registry import DATA_SAMPLERS

from lt_mm.core.sampling import class_sampling_weights
from lt_mm.datasets import dataset_label_index
from lt_mm.det import LVISDataset
from lt_mm.datasets import (ClassBalancedSampler, ClassWeightedSampler,
                            ProgressiveSampler, RepeatFactorSampler,
                            ReversedSampler, SquareRootSampler)
from lt_mm.datasets.samplers import resampling_sampler


def within_binomial(observed, trials, prob, sigmas=5.0):
    std = np.sqrt(trials * prob * (1 - prob))
    return np.all(np.abs(observed - trials * prob) <= sigmas * std + 1e-9)


class InMemoryDetDataset(BaseDetDataset):
    METAINFO = dict(classes=('a', 'b', 'c', 'd'))

    def __init__(self, data_list, **kwargs):
        self._given = data_list
        super().__init__(ann_file='', data_root='', pipeline=[], **kwargs)

    def load_data_list(self):
        return list(self._given)


class InMemoryClsDataset(BaseDataset):
    """mmpretrain-style samples with a ``gt_label``."""

    def __init__(self, gt_labels):
        self._given = gt_labels
        super().__init__(
            ann_file='', data_root='', pipeline=[], serialize_data=False)

    def load_data_list(self):
        return [dict(gt_label=int(y)) for y in self._given]


def det_infos(labels_per_image, ignored=()):
    infos = []
    for i, labels in enumerate(labels_per_image):
        instances = [
            dict(bbox=[0, 0, 10, 10], bbox_label=y,
                 ignore_flag=int(i in ignored)) for y in labels
        ]
        infos.append(dict(img_id=i, img_path=f'{i}.jpg', instances=instances))
    return infos


# Image 6's instances are all ignored (crowd), image 7 kept none after
# filtering; both have repeat factor 1.
LABELS = [[0, 0], [0, 1], [0], [0, 2], [0], [0, 1], [3, 3], []]
IGNORED = (6, )


def small_det_dataset(serialize_data=False):
    # Serialising runs gc.collect(), slow in a test process; one test
    # covers the serialised path.
    return InMemoryDetDataset(
        det_infos(LABELS, IGNORED), serialize_data=serialize_data)


def test_repeat_factors_follow_the_formula():
    sampler = RepeatFactorSampler(small_det_dataset(), repeat_thr=0.5, seed=0)
    r1, r2 = np.sqrt(0.5 / (2 / 8)), np.sqrt(0.5 / (1 / 8))
    np.testing.assert_allclose(sampler.repeat_factors,
                               [1, r1, 1, r2, 1, r1, 1, 1])


@pytest.mark.parametrize('serialize_data', [True, False])
def test_ceil_equals_class_balanced_dataset(serialize_data):
    # mmdet's get_cat_ids counts ignored instances too; give mmengine the
    # same images with them dropped, which is what ours counts.
    ours = RepeatFactorSampler(
        small_det_dataset(serialize_data=serialize_data),
        repeat_thr=0.5, rounding='ceil', seed=0)
    kept = [[] if i in IGNORED else y for i, y in enumerate(LABELS)]
    reference = ClassBalancedDataset(
        InMemoryDetDataset(det_infos(kept), serialize_data=False),
        oversample_thr=0.5)
    assert len(ours) == len(reference)
    assert Counter(ours) == Counter(reference.repeat_indices)


def test_ceil_equals_class_balanced_dataset_on_lvis_demo(demo_data):
    def dataset():
        return LVISDataset(
            data_root=f'{demo_data}/',
            ann_file='annotations/lvis_v1_train.json',
            data_prefix=dict(img=''),
            filter_cfg=dict(filter_empty_gt=True, min_size=8),
            pipeline=[])

    ours = RepeatFactorSampler(dataset(), 0.25, rounding='ceil', seed=0)
    reference = ClassBalancedDataset(dataset(), oversample_thr=0.25)
    assert len(reference) > len(reference.dataset)
    assert Counter(ours) == Counter(reference.repeat_indices)


@pytest.mark.parametrize('unique', [False, True])
def test_lvis_dataset_caches_the_labels_before_serialising(
        demo_data, unique):
    def dataset(**kwargs):
        return LVISDataset(
            data_root=f'{demo_data}/',
            ann_file='annotations/lvis_v1_train.json',
            data_prefix=dict(img=''),
            filter_cfg=dict(filter_empty_gt=True, min_size=8),
            pipeline=[],
            **kwargs)

    cached, plain = dataset(), dataset(serialize_data=False)
    assert cached.cached_label_index() is not None
    assert plain.cached_label_index() is None
    expected = dataset_label_index(plain, unique)
    got = dataset_label_index(cached, unique)
    np.testing.assert_array_equal(got.labels, expected.labels)
    np.testing.assert_array_equal(got.offsets, expected.offsets)
    # a subset taken after full_init drops the cache, not the right labels
    cached.get_subset_(list(range(5, 25)))
    assert cached.cached_label_index() is None
    got = dataset_label_index(cached, unique)
    labels, offsets = got.labels, got.offsets
    want_labels, want_offsets = expected.labels, expected.offsets
    np.testing.assert_array_equal(
        labels, want_labels[want_offsets[5]:want_offsets[25]])
    np.testing.assert_array_equal(offsets,
                                  want_offsets[5:26] - want_offsets[5])


def test_stochastic_epochs_have_fixed_length_and_expected_counts():
    sampler = RepeatFactorSampler(small_det_dataset(), repeat_thr=0.5, seed=3)
    factors = sampler.repeat_factors
    assert len(sampler) == round(factors.sum())
    epochs = 3000
    counts = np.zeros(len(factors))
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        drawn = list(sampler)
        assert len(drawn) == len(sampler)
        counts += np.bincount(drawn, minlength=len(factors))
    floor = np.floor(factors)
    frac = factors - floor
    prob = frac * (len(sampler) - floor.sum()) / frac.sum()
    assert within_binomial(counts - epochs * floor, epochs, prob)


@pytest.mark.parametrize('rounding', ['stochastic', 'ceil'])
def test_seed_and_epoch_determine_the_list(rounding):
    def epoch_list(seed, epoch):
        sampler = RepeatFactorSampler(
            small_det_dataset(), 0.5, rounding=rounding, seed=seed)
        sampler.set_epoch(epoch)
        return list(sampler)

    assert epoch_list(7, 2) == epoch_list(7, 2)
    assert epoch_list(7, 2) != epoch_list(7, 3)
    assert epoch_list(7, 2) != epoch_list(8, 2)


def test_unshuffled_ceil_list_is_in_dataset_order():
    sampler = RepeatFactorSampler(
        small_det_dataset(), 0.5, rounding='ceil', shuffle=False, seed=0)
    assert list(sampler) == [0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7]


@pytest.mark.parametrize('world_size', [2, 3])
@pytest.mark.parametrize(
    'make', [
        lambda: RepeatFactorSampler(small_det_dataset(), 0.5, seed=5),
        lambda: RepeatFactorSampler(
            small_det_dataset(), 0.5, rounding='ceil', seed=5),
        lambda: ClassBalancedSampler(small_det_dataset(), seed=5),
    ])
def test_distributed_shards_are_disjoint_complete_and_equal(
        monkeypatch, world_size, make):
    shards, full = [], None
    for rank in range(world_size):
        monkeypatch.setattr(resampling_sampler, 'get_dist_info',
                            lambda rank=rank: (rank, world_size))
        sampler = make()
        sampler.set_epoch(4)
        shards.append(list(sampler))
        assert len(shards[-1]) == len(sampler)
        epoch = sampler.epoch_indices()
        assert full is None or np.array_equal(full, epoch)
        full = epoch
    assert len({len(s) for s in shards}) == 1
    assert len(full) % world_size == 0
    # Position k of the epoch list goes to rank k % world_size only.
    interleaved = np.array(shards).T.ravel()
    np.testing.assert_array_equal(interleaved, full)
    drawn = full[:sampler.epoch_length]
    assert sum(len(s) for s in shards) - len(drawn) < world_size
    # The padding repeats the head of the same list.
    np.testing.assert_array_equal(full[len(drawn):],
                                  drawn[:len(full) - len(drawn)])


def test_wrapped_datasets():
    inner = small_det_dataset()
    concat = ConcatDataset([inner, small_det_dataset()])
    sampler = RepeatFactorSampler(concat, 0.5, rounding='ceil', seed=0)
    assert sampler.repeat_factors.shape == (len(concat), )
    np.testing.assert_allclose(sampler.repeat_factors[:8],
                               sampler.repeat_factors[8:])
    repeated = RepeatDataset(small_det_dataset(), times=3)
    sampler = RepeatFactorSampler(repeated, 0.5, rounding='ceil', seed=0)
    np.testing.assert_allclose(
        sampler.repeat_factors,
        np.tile(RepeatFactorSampler(inner, 0.5, seed=0).repeat_factors, 3))
    assert max(sampler) < len(repeated)
    with pytest.raises(TypeError, match='ClassBalancedDataset'):
        RepeatFactorSampler(ClassBalancedDataset(inner, 0.5))


def test_bad_arguments():
    with pytest.raises(ValueError, match='rounding'):
        RepeatFactorSampler(small_det_dataset(), rounding='floor')
    with pytest.raises(ValueError, match='empty'):
        RepeatFactorSampler(
            InMemoryDetDataset([], serialize_data=False), seed=0)
    with pytest.raises(ValueError, match='no labelled'):
        ClassBalancedSampler(
            InMemoryDetDataset(det_infos([[]]), serialize_data=False),
            seed=0)
    with pytest.raises(ValueError, match='max_epochs'):
        ProgressiveSampler(small_det_dataset(), max_epochs=0, seed=0)


def test_built_from_config_as_mmengine_does():
    dataset = small_det_dataset()
    sampler = DATA_SAMPLERS.build(
        dict(type='lt_mm.RepeatFactorSampler', repeat_thr=0.5),
        default_args=dict(dataset=dataset, seed=11))
    assert isinstance(sampler, RepeatFactorSampler) and sampler.seed == 11
    for name in ('ClassBalancedSampler', 'SquareRootSampler',
                 'ReversedSampler', 'ClassWeightedSampler'):
        assert DATA_SAMPLERS.get(f'lt_mm.{name}') is not None


CLS_LABELS = np.repeat([0, 1, 2, 3], [2, 8, 30, 160])


@pytest.mark.parametrize('sampler_type, q', [(ClassBalancedSampler, 0.0),
                                             (SquareRootSampler, 0.5),
                                             (ReversedSampler, -1.0)])
def test_class_sampler_frequencies(sampler_type, q):
    sampler = sampler_type(
        InMemoryClsDataset(CLS_LABELS), num_samples=100_000, seed=0)
    assert len(sampler) == 100_000
    drawn = np.fromiter(sampler, dtype=int)
    p = class_sampling_weights(np.bincount(CLS_LABELS), q)
    assert within_binomial(np.bincount(CLS_LABELS[drawn]), 100_000, p)
    # Within a class, samples are equally likely.
    tail = np.bincount(drawn[CLS_LABELS[drawn] == 0], minlength=2)
    assert abs(tail[0] - tail[1]) < 5 * np.sqrt(tail.sum())


def test_instance_balanced_is_uniform_and_length_defaults_to_dataset():
    sampler = ClassWeightedSampler(InMemoryClsDataset(CLS_LABELS), q=1, seed=0)
    assert len(sampler) == len(CLS_LABELS)
    sampler = ClassWeightedSampler(
        InMemoryClsDataset(CLS_LABELS), q=1, num_samples=100_000, seed=0)
    counts = np.bincount(np.fromiter(sampler, dtype=int), minlength=200)
    assert within_binomial(counts, 100_000, np.full(200, 1 / 200))


def test_progressive_sampler_moves_to_class_balanced():
    sampler = ProgressiveSampler(
        InMemoryClsDataset(CLS_LABELS), max_epochs=4, num_samples=50_000,
        seed=0)
    counts = np.bincount(CLS_LABELS)
    for epoch in (0, 2, 4, 6):
        sampler.set_epoch(epoch)
        t = min(epoch, 4) / 4
        p = (1 - t) * counts / counts.sum() + t / len(counts)
        drawn = np.fromiter(sampler, dtype=int)
        assert within_binomial(np.bincount(CLS_LABELS[drawn]), 50_000, p)


def test_class_samplers_on_detection_data_count_images():
    # Class 0 is in 6 images, class 3 in one (twice, but ignored there).
    sampler = ClassBalancedSampler(small_det_dataset(), seed=0)
    np.testing.assert_array_equal(sampler.class_counts, [6, 2, 1])
    assert set(sampler) <= set(range(6))
