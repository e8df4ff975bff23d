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

    Args:
        data_root (str): Root of the images and, by default, the list files.
            Defaults to ''.
        split (str): A key of ``SPLIT_FILES``; picks the list file when
            ``ann_file`` is not given. Defaults to 'train'.
        ann_file (str): The list file, relative to ``data_root`` unless
            absolute. Defaults to '', meaning ``SPLIT_FILES[split]``.
        data_prefix (str | dict): Folder the image paths are relative to,
            under ``data_root``. Defaults to ''.
        metainfo (dict, optional): mmengine's ``BaseDataset`` meta
            information; ``classes`` renames the classes. Defaults to None.
        test_mode (bool, optional): Defaults to None, meaning True for every
            split but 'train'.
        **kwargs: Other arguments of mmpretrain's ``BaseDataset``.
    """
    SPLIT_FILES = {
        'train': 'Places_LT_train.txt',
        'val': 'Places_LT_val.txt',
        'test': 'Places_LT_test.txt',
    }
    METAINFO = {'classes': numbered_classes(365)}
