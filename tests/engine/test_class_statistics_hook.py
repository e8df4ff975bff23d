import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch.nn as nn
from mmengine.dataset import ClassBalancedDataset
from mmengine.logging import MMLogger

from lt_mm.core import ClassStatisticsReceiver
from lt_mm.datasets import dataset_class_statistics
from lt_mm.det import LVISDataset
from lt_mm.engine import ClassStatisticsHook


def demo_train_dataset(root, **kwargs):
    return LVISDataset(
        data_root=f'{root}/',
        ann_file='annotations/lvis_v1_train.json',
        data_prefix=dict(img=''),
        pipeline=[],
        **kwargs)


def file_categories(root):
    with open(f'{root}/annotations/lvis_v1_train.json') as f:
        return sorted(json.load(f)['categories'], key=lambda c: c['id'])


def test_counts_equal_lvis_fields(demo_data):
    stats = dataset_class_statistics(demo_train_dataset(demo_data))
    cats = file_categories(demo_data)
    assert stats.num_classes == len(cats)
    np.testing.assert_array_equal(stats.image_counts,
                                  [c['image_count'] for c in cats])
    np.testing.assert_array_equal(stats.instance_counts,
                                  [c['instance_count'] for c in cats])
    assert stats.frequency.tolist() == [c['frequency'] for c in cats]


def test_wrapper_repeats_are_not_counted(demo_data):
    plain = dataset_class_statistics(demo_train_dataset(demo_data))
    repeated = ClassBalancedDataset(
        demo_train_dataset(demo_data), oversample_thr=0.5)
    assert len(repeated) > len(repeated.dataset)
    stats = dataset_class_statistics(repeated)
    np.testing.assert_array_equal(stats.image_counts, plain.image_counts)


def test_counts_follow_filtering(demo_data):
    # Keep only the first 50 images: counts must describe those.
    stats = dataset_class_statistics(demo_train_dataset(demo_data,
                                                        indices=50))
    assert stats.num_images == 50
    assert stats.image_counts.sum() < sum(
        c['image_count'] for c in file_categories(demo_data))


class Receiver(ClassStatisticsReceiver, nn.Module):

    def __init__(self, num_classes):
        super().__init__()
        self.init_class_statistics(num_classes)
        self.stats = None

    def receive_class_statistics(self, stats):
        self.stats = stats


class DuckReceiver(nn.Module):
    """Has the method but is no receiver: the hook leaves it alone."""
    num_classes = 20

    def set_class_statistics(self, stats):
        raise AssertionError('called')


def fake_runner(model, dataset):
    return SimpleNamespace(
        model=model,
        train_dataloader=SimpleNamespace(dataset=dataset),
        logger=MMLogger.get_instance('test_hook'))


def test_hook_hands_statistics_to_receivers(demo_data):
    model = nn.Sequential(nn.Linear(2, 2), Receiver(20))
    ClassStatisticsHook().before_train(
        fake_runner(model, demo_train_dataset(demo_data)))
    assert model[1].stats.num_classes == 20
    assert model[1].stats.num_images == 400
    assert model[1].has_statistics


def test_receivers_are_found_by_type(demo_data):
    model = nn.Sequential(DuckReceiver(), Receiver(20))
    ClassStatisticsHook().before_train(
        fake_runner(model, demo_train_dataset(demo_data)))
    assert model[1].stats is not None


def test_a_receiver_without_statistics_names_the_hook():
    receiver = Receiver(3)
    with pytest.raises(RuntimeError,
                       match=r"Receiver needs the class statistics of the "
                       r"training set: add default_hooks=dict\(class_"
                       r"statistics=dict\(type='lt_mm.ClassStatisticsHook'"):
        receiver.require_statistics()


def test_hook_stops_on_num_classes_mismatch(demo_data):
    model = nn.Sequential(Receiver(1203))
    with pytest.raises(ValueError,
                       match='^0: Receiver has num_classes=1203.*20 classes'):
        ClassStatisticsHook().before_train(
            fake_runner(model, demo_train_dataset(demo_data)))


def test_hook_checks_num_classes_of_lt_mm_components(demo_data):
    from lt_mm.det import SeesawLoss
    model = nn.Sequential(SeesawLoss(num_classes=1203))
    with pytest.raises(ValueError, match='SeesawLoss.*num_classes=1203'):
        ClassStatisticsHook().before_train(
            fake_runner(model, demo_train_dataset(demo_data)))
    # the right number passes
    ClassStatisticsHook().before_train(
        fake_runner(nn.Sequential(SeesawLoss(num_classes=20)),
                    demo_train_dataset(demo_data)))


def test_hook_without_receivers_reads_no_data():
    # An unusable dataset is never touched when nobody needs statistics.
    ClassStatisticsHook().before_train(fake_runner(nn.Linear(2, 2), None))


def test_lvis_dataset_class_names_from_file(demo_data):
    dataset = demo_train_dataset(demo_data)
    cats = file_categories(demo_data)
    assert dataset.metainfo['classes'] == tuple(c['name'] for c in cats)
    assert dataset.metainfo['frequency'] == tuple(c['frequency']
                                                  for c in cats)
    with pytest.raises(ValueError, match='3 classes.*20 categories'):
        demo_train_dataset(demo_data, metainfo=dict(classes=('a', 'b', 'c')))


def runner_for_testing(model, train_dataset_cfg):
    """A runner as tools/test.py builds it: the config's training set not
    built; what the hook reads of it is ``cfg.train_dataloader.dataset``."""
    cfg = {} if train_dataset_cfg is None else dict(
        train_dataloader=dict(dataset=train_dataset_cfg))
    return SimpleNamespace(model=model, cfg=cfg,
                           logger=MMLogger.get_instance('test_hook'))


def demo_train_dataset_cfg(root, **kwargs):
    return dict(type='lt_mm.LVISDataset', data_root=f'{root}/',
                ann_file='annotations/lvis_v1_train.json',
                data_prefix=dict(img=''), pipeline=[], **kwargs)


@pytest.mark.parametrize('stage', ['before_test', 'before_val'])
def test_receivers_without_statistics_get_the_training_sets_for_testing(
        demo_data, stage):
    """A test-time receiver (NorCal's counts are derived, never saved) or
    a checkpoint trained without the hook: before testing, the config's
    training set is built and counted, as before_train would have (NorCal's
    counts are the training images of each class: tydpan/NorCal
    projects/NorCal/norcal/roi_heads.py L76, L112-L122). A receiver whose
    checkpoint carried statistics keeps them. Before this hook acted at
    test time the first receiver had nothing (stats None)."""
    lacking, loaded = Receiver(20), Receiver(20)
    loaded.has_statistics.fill_(True)
    getattr(ClassStatisticsHook(), stage)(
        runner_for_testing(nn.Sequential(lacking, loaded),
                           demo_train_dataset_cfg(demo_data, indices=50)))
    expected = dataset_class_statistics(demo_train_dataset(demo_data,
                                                           indices=50))
    assert lacking.has_statistics
    assert lacking.stats.num_images == 50
    np.testing.assert_array_equal(lacking.stats.image_counts,
                                  expected.image_counts)
    assert loaded.stats is None


def test_testing_without_a_training_set_names_the_receivers():
    with pytest.raises(RuntimeError, match='^0 need the class statistics '
                       'of the training set, which the checkpoint does not '
                       'carry: the config needs a train_dataloader.dataset'):
        ClassStatisticsHook().before_test(
            runner_for_testing(nn.Sequential(Receiver(20)), None))


def test_test_time_statistics_check_the_class_count(demo_data):
    with pytest.raises(ValueError,
                       match='^0: Receiver has num_classes=1203.*20 classes'):
        ClassStatisticsHook().before_test(
            runner_for_testing(nn.Sequential(Receiver(1203)),
                               demo_train_dataset_cfg(demo_data)))
