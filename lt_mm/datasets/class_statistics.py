"""Class statistics of a training dataset."""
from lt_mm.core import ClassStatistics, LabelIndex
from .label_index import dataset_label_index, leaf_datasets


def dataset_class_statistics(dataset) -> ClassStatistics:
    """Class statistics of a training dataset, unwrapped and after filtering.

    Counts come from the samples the dataset actually serves (after
    ``filter_cfg``), each counted once however a wrapper repeats it. The LVIS
    ``frequency`` field is used when the dataset's metainfo carries it.
    """
    leaves = leaf_datasets(dataset)
    index = LabelIndex.concatenate(
        [dataset_label_index(leaf) for leaf in leaves])
    if not index.num_images:
        raise ValueError('the training dataset is empty')
    metainfo = leaves[0].metainfo
    if 'classes' not in metainfo:
        raise KeyError("the training dataset's metainfo has no 'classes'")
    return ClassStatistics.from_label_index(
        index,
        num_classes=len(metainfo['classes']),
        frequency=metainfo.get('frequency'))
