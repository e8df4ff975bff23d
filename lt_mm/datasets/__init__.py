"""Host-independent dataset parts: the re-sampling samplers, every sample's
labels (:class:`lt_mm.core.LabelIndex`) and the class statistics of a
training set, read from mmdet and mmpretrain datasets alike; ``lvis_demo``
generates the synthetic LVIS v1 demo set."""
from .class_statistics import dataset_class_statistics
from .label_index import (LabelIndexCacheMixin, data_info_labels,
                          data_infos_label_index, dataset_label_index,
                          indexed_label_index, leaf_datasets)
from .paired_dataset import PairedDataset, paired_streams
from .samplers import (ClassAwareSampler, ClassBalancedSampler,
                       ClassWeightedSampler, PairedSampler,
                       ProgressiveSampler,
                       RepeatFactorSampler, ReversedSampler,
                       SquareRootSampler)

__all__ = [
    'ClassAwareSampler', 'ClassBalancedSampler', 'ClassWeightedSampler',
    'LabelIndexCacheMixin', 'PairedDataset', 'PairedSampler',
    'ProgressiveSampler', 'RepeatFactorSampler',
    'ReversedSampler', 'SquareRootSampler', 'data_info_labels',
    'data_infos_label_index', 'dataset_class_statistics',
    'dataset_label_index', 'indexed_label_index', 'leaf_datasets',
    'paired_streams'
]
