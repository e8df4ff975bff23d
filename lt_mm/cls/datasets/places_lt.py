"""Places-LT (Liu et al., OLTR, CVPR 2019): 365 Places-365 classes, 62,500
training images (4,980 to 5 per class), balanced validation (7,300) and test
(36,500) sets.
"""
from lt_mm.registry import DATASETS
from .split_list_dataset import SplitListDataset, numbered_classes


@DATASETS.register_module()
class PlacesLT(SplitListDataset):
    """Places-LT from the OLTR list files ``Places_LT_{train,val,test}.txt``
    under ``data_root`` (the Places-365 root). Classes are named by their id
    unless ``metainfo=dict(classes=...)`` or ``classes='file.txt'`` gives
    names. See :class:`SplitListDataset` for the arguments.
    """
    SPLIT_FILES = {
        'train': 'Places_LT_train.txt',
        'val': 'Places_LT_val.txt',
        'test': 'Places_LT_test.txt',
    }
    METAINFO = {'classes': numbered_classes(365)}
