"""The :class:`lt_mm.core.LabelIndex` of a dataset, for samplers and class
statistics.

Works for mmdet datasets (``data_info['instances']``, each with
``bbox_label`` and ``ignore_flag``) and mmpretrain datasets
(``data_info['gt_label']``) alike, after their filtering.
"""
from array import array
from typing import Iterable, List, Optional

import numpy as np
from mmengine.dataset import (BaseDataset, ClassBalancedDataset, ConcatDataset,
                              RepeatDataset)

from lt_mm.core.label_index import LabelIndex


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


def data_infos_label_index(data_infos: Iterable[dict]) -> LabelIndex:
    """The :class:`LabelIndex` of a sequence of data infos."""
    # int64 buffers, so the label objects of the data infos are not kept.
    labels, sizes = array('q'), array('q')
    for info in data_infos:
        sample_labels = data_info_labels(info)
        labels.extend(sample_labels)
        sizes.append(len(sample_labels))
    return LabelIndex.from_sizes(
        np.frombuffer(labels, dtype=np.int64).copy(),
        np.frombuffer(sizes, dtype=np.int64))


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

    def _serialize_data(self):
        index = data_infos_label_index(self.data_list)
        data_bytes, data_address = super()._serialize_data()
        self._label_index_cache = (index, data_address)
        return data_bytes, data_address

    def cached_label_index(self) -> Optional[LabelIndex]:
        """The samples' :class:`LabelIndex`, or None without a cache."""
        if self._label_index_cache is None:
            return None
        index, address = self._label_index_cache
        if address is not getattr(self, 'data_address', None):
            return None
        return index


def dataset_label_index(dataset, unique: bool = False) -> LabelIndex:
    """Labels of every sample of a plain (unwrapped) dataset.

    Args:
        dataset: An mmdet or mmpretrain dataset.
        unique (bool): Keep each class once per sample
            (:meth:`LabelIndex.unique`: what image counts, repeat factors
            and class-aware sampling need). Defaults to False.

    Returns:
        LabelIndex: Sample ``i`` of ``dataset`` is image ``i``.
    """
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    index = dataset.cached_label_index() if hasattr(
        dataset, 'cached_label_index') else None
    if index is None:
        # One pass over the data infos; with serialize_data this
        # deserialises each once, which is most of the cost at LVIS scale.
        index = data_infos_label_index(_data_infos(dataset))
    return index.unique() if unique else index


def indexed_label_index(dataset, unique: bool = False) -> LabelIndex:
    """Like :func:`dataset_label_index`, aligned with the indices of
    ``dataset`` itself, through ConcatDataset and RepeatDataset wrappers."""
    if isinstance(dataset, ConcatDataset):
        return LabelIndex.concatenate(
            [indexed_label_index(d, unique) for d in dataset.datasets])
    if isinstance(dataset, RepeatDataset):
        return indexed_label_index(dataset.dataset, unique).tile(dataset.times)
    if isinstance(dataset, ClassBalancedDataset):
        raise TypeError(
            'the dataset is wrapped in ClassBalancedDataset, which already '
            'repeats images by their repeat factors; give the sampler the '
            'dataset inside it')
    if hasattr(dataset, 'dataset') or hasattr(dataset, 'datasets'):
        raise TypeError(
            f'{type(dataset).__name__} wraps other datasets in a way the '
            'sampler cannot map to its own indices; supported wrappers are '
            'ConcatDataset and RepeatDataset')
    return dataset_label_index(dataset, unique)
