"""CIFAR-LT on fake CIFAR pickles: counts by the LDAM formula, the samples
LDAM-DRW's selection keeps, the untouched test split."""
import pickle

import numpy as np
import pytest

pytest.importorskip('mmpretrain')

from lt_mm.cls.datasets import CIFAR10LT, CIFAR100LT  # noqa: E402
from lt_mm.core.shot_accuracy import shot_groups  # noqa: E402
from lt_mm.datasets import dataset_class_statistics  # noqa: E402

from .test_long_tailed_counts import ldam_reference_selection  # noqa: E402


def ldam_counts(num_classes, img_max, imb_factor):
    return [
        int(img_max * imb_factor**(i / (num_classes - 1.0)))
        for i in range(num_classes)
    ]


def fake_batch(labels, label_key, first_id):
    """Images whose first pixels spell a unique id, to track selection."""
    data = np.zeros((len(labels), 3072), dtype=np.uint8)
    ids = np.arange(first_id, first_id + len(labels))
    data[:, 0], data[:, 1] = ids // 256, ids % 256
    return {'data': data, label_key: list(map(int, labels))}


def image_ids(dataset):
    imgs = np.stack([dataset.get_data_info(i)['img'] for i in
                     range(len(dataset))])
    return imgs[:, 0, 0, 0].astype(np.int64) * 256 + imgs[:, 0, 1, 0]


def dump(path, obj):
    path.write_bytes(pickle.dumps(obj))


@pytest.fixture
def cifar100_root(tmp_path, monkeypatch):
    """CIFAR-100 python files with 50 train / 3 test images per class,
    shuffled as the real files are; md5 checks off for the fakes."""
    rng = np.random.default_rng(0)
    train_labels = rng.permutation(np.repeat(np.arange(100), 50))
    test_labels = np.repeat(np.arange(100), 3)
    folder = tmp_path / 'cifar-100-python'
    folder.mkdir()
    dump(folder / 'train', fake_batch(train_labels, 'fine_labels', 0))
    dump(folder / 'test', fake_batch(test_labels, 'fine_labels', 10000))
    dump(folder / 'meta', {'fine_label_names': [f'c{i}' for i in range(100)]})
    monkeypatch.setattr(CIFAR100LT, 'train_list', [['train', None]])
    monkeypatch.setattr(CIFAR100LT, 'test_list', [['test', None]])
    return tmp_path, train_labels


def test_cifar100_lt_keeps_ldam_counts_and_samples(cifar100_root):
    root, train_labels = cifar100_root
    dataset = CIFAR100LT(data_root=str(root), split='train', download=False)
    counts = ldam_counts(100, 50, 0.01)
    assert len(dataset) == sum(counts)
    stats = dataset_class_statistics(dataset)
    assert stats.instance_counts.tolist() == counts
    assert len(dataset.metainfo['classes']) == 100
    # The very samples that LDAM-DRW's gen_imbalanced_data keeps (seed 0),
    # in its order.
    np.testing.assert_array_equal(
        image_ids(dataset), ldam_reference_selection(train_labels, counts, 0))
    labels = [dataset.get_data_info(i)['gt_label'] for i in
              range(len(dataset))]
    assert all(isinstance(x, int) for x in labels)
    np.testing.assert_array_equal(labels, train_labels[image_ids(dataset)])


def test_cifar100_lt_test_split_and_other_ratios(cifar100_root):
    root, _ = cifar100_root
    test = CIFAR100LT(data_root=str(root), split='test', download=False)
    assert len(test) == 300
    np.testing.assert_array_equal(image_ids(test), 10000 + np.arange(300))
    balanced = CIFAR100LT(
        data_root=str(root), imbalance_ratio=1, download=False)
    assert len(balanced) == 5000
    ir10 = CIFAR100LT(data_root=str(root), imbalance_ratio=10, download=False)
    assert len(ir10) == sum(ldam_counts(100, 50, 0.1))


def test_full_size_cifar100_lt_is_the_published_one():
    # No data needed: the real profile, 500 images per class.
    counts = np.array(ldam_counts(100, 500, 0.01))
    assert counts.sum() == 10847
    assert np.bincount(shot_groups(counts)).tolist() == [35, 35, 30]


def test_cifar10_lt_and_class_counts_through_wrappers(tmp_path, monkeypatch):
    from mmengine.dataset import ClassBalancedDataset, RepeatDataset
    rng = np.random.default_rng(1)
    labels = rng.permutation(np.repeat(np.arange(10), 100))
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    for i, part in enumerate(np.split(labels, 5)):
        dump(folder / f'data_batch_{i + 1}',
             fake_batch(part, 'labels', 200 * i))
    dump(folder / 'test_batch', fake_batch(np.arange(10), 'labels', 5000))
    dump(folder / 'batches.meta', {'label_names': list('abcdefghij')})
    monkeypatch.setattr(CIFAR10LT, 'train_list',
                        [[f'data_batch_{i}', None] for i in range(1, 6)])
    monkeypatch.setattr(CIFAR10LT, 'test_list', [['test_batch', None]])

    dataset = CIFAR10LT(data_root=str(tmp_path), imbalance_ratio=100,
                        download=False)
    counts = ldam_counts(10, 100, 0.01)  # 100 59 35 21 12 7 4 2 1 1
    np.testing.assert_array_equal(image_ids(dataset),
                                  ldam_reference_selection(labels, counts, 0))
    # Wrappers repeat samples; the statistics count each sample once.
    for wrapped in (ClassBalancedDataset(dataset, oversample_thr=0.5),
                    RepeatDataset(dataset, times=3)):
        assert len(wrapped) > len(dataset)
        assert dataset_class_statistics(wrapped).instance_counts.tolist() \
            == counts
