"""Labels of the samples a dataset serves, for samplers and class statistics.

Works for mmdet datasets (``data_info['instances']``, each with
``bbox_label`` and ``ignore_flag``) and mmpretrain datasets
(``data_info['gt_label']``) alike, after their filtering.
"""
from array import array
from typing import Iterable, List, Optional, Tuple

import numpy as np
from mmengine.dataset import (BaseDataset, ClassBalancedDataset,
                              ConcatDataset, RepeatDataset)

from lt_mm.core.class_statistics import unique_per_sample


def data_info_labels(data_info: dict) -> list:
    """Labels of one sample: the kept (not ignored) instances of an image, or
    the label(s) of a classification sample."""
    if 'instances' in data_info:
        return [
            inst['bbox_label'] for inst in data_info['instances']
            if not inst.get('ignore_flag', 0)
        ]
    if 'gt_label' in data_info:
        label = data_info['gt_label']  # an int, or a list for multi-label
        return list(label) if hasattr(label, '__len__') else [label]
    raise KeyError("data info has neither 'instances' (detection) nor "
                   "'gt_label' (classification)")


def leaf_datasets(dataset) -> List:
    """Unwrap repeat / class-balanced / concat wrappers to the real datasets,
    whose samples each appear once."""
    if hasattr(dataset, 'datasets'):
        return [leaf for d in dataset.datasets for leaf in leaf_datasets(d)]
    if hasattr(dataset, 'dataset'):
        return leaf_datasets(dataset.dataset)
    return [dataset]


def _data_infos(dataset):
    if isinstance(dataset, BaseDataset) and not dataset.serialize_data:
        # Read-only pass: skip the deep copy get_data_info makes.
        return iter(dataset.data_list)
    return (dataset.get_data_info(i) for i in range(len(dataset)))


def labels_of_data_infos(data_infos: Iterable[dict],
                         unique: bool = False
                         ) -> Tuple[np.ndarray, np.ndarray]:
    """``labels`` and ``offsets`` of a sequence of data infos (see
    :func:`label_index`)."""
    # int64 buffers, so the label objects of the data infos are not kept.
    labels, sizes = array('q'), array('q')
    for info in data_infos:
        sample_labels = data_info_labels(info)
        if unique:
            sample_labels = sorted(set(sample_labels))
        labels.extend(sample_labels)
        sizes.append(len(sample_labels))
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(sizes, dtype=np.int64), out=offsets[1:])
    return np.frombuffer(labels, dtype=np.int64).copy(), offsets


class LabelIndexCacheMixin:
    """Dataset mixin that reads every sample's labels while ``full_init``
    still holds the data infos as Python objects, just before mmengine
    serialises them.

    Samplers and :class:`lt_mm.ClassStatisticsHook` then need not unpickle
    every data info again (at LVIS v1 scale that is most of a sampler's
    build time). The cache is dropped when the serialised list changes
    (``get_subset_``); without serialisation the data infos are read
    directly, which is as fast.
    """
    _label_index_cache = None

    def _serialize_data(self) -> Tuple[np.ndarray, np.ndarray]:
        labels, offsets = labels_of_data_infos(self.data_list)
        data_bytes, data_address = super()._serialize_data()
        self._label_index_cache = (labels, offsets, data_address)
        return data_bytes, data_address

    def cached_label_index(self) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """``(labels, offsets)`` of the samples, or None without a cache."""
        if self._label_index_cache is None:
            return None
        labels, offsets, address = self._label_index_cache
        if address is not getattr(self, 'data_address', None):
            return None
        return labels, offsets


def label_index(dataset,
                unique: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Labels of every sample of a plain (unwrapped) dataset.

    Args:
        dataset: An mmdet or mmpretrain dataset.
        unique (bool): Keep each class once per sample (what image counts,
            repeat factors and class-aware sampling need); memory is then
            O(images) rather than O(instances).

    Returns:
        tuple: ``labels`` (int64, all samples' labels one after another) and
        ``offsets`` (int64, ``len(dataset) + 1``): sample ``i`` owns
        ``labels[offsets[i]:offsets[i + 1]]``.
    """
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    cached = dataset.cached_label_index() if hasattr(
        dataset, 'cached_label_index') else None
    if cached is not None:
        labels, offsets = cached
        if unique:
            return unique_per_sample(labels, offsets)
        return labels.copy(), offsets.copy()
    # One pass over the data infos; with serialize_data this deserialises
    # each once, which is most of the cost at LVIS scale.
    return labels_of_data_infos(_data_infos(dataset), unique)


def indexed_label_index(dataset,
                        unique: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Like :func:`label_index`, aligned with the indices of ``dataset``
    itself, through ConcatDataset and RepeatDataset wrappers."""
    if isinstance(dataset, ConcatDataset):
        parts = [indexed_label_index(d, unique) for d in dataset.datasets]
        labels = np.concatenate([p[0] for p in parts])
        sizes = np.concatenate([np.diff(p[1]) for p in parts])
    elif isinstance(dataset, RepeatDataset):
        labels, offsets = indexed_label_index(dataset.dataset, unique)
        labels = np.tile(labels, dataset.times)
        sizes = np.tile(np.diff(offsets), dataset.times)
    elif isinstance(dataset, ClassBalancedDataset):
        raise TypeError(
            'the dataset is wrapped in ClassBalancedDataset, which already '
            'repeats images by their repeat factors; give the sampler the '
            'dataset inside it')
    elif hasattr(dataset, 'dataset') or hasattr(dataset, 'datasets'):
        raise TypeError(
            f'{type(dataset).__name__} wraps other datasets in a way the '
            'sampler cannot map to its own indices; supported wrappers are '
            'ConcatDataset and RepeatDataset')
    else:
        return label_index(dataset, unique)
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return labels, offsets
