"""ImageNet-LT (Liu et al., "Large-Scale Long-Tailed Recognition in an Open
World", CVPR 2019): 1,000 ImageNet classes, 115,846 training images (1,280 to
5 per class, a Pareto profile), a balanced validation set of 20,000 and the
balanced test set of 50,000 images from ImageNet's validation split.
"""
from mmpretrain.datasets.categories import IMAGENET_CATEGORIES

from lt_mm.registry import DATASETS
from .split_list_dataset import SplitListDataset


@DATASETS.register_module()
class ImageNetLT(SplitListDataset):
    """ImageNet-LT from the OLTR list files.

    ``data_root`` is the ImageNet root holding ``train/`` and ``val/`` and
    the files ``ImageNet_LT_{train,val,test}.txt``; labels follow the sorted
    WordNet ids, as mmpretrain's ImageNet does. See
    :class:`SplitListDataset` for the arguments.
    """
    SPLIT_FILES = {
        'train': 'ImageNet_LT_train.txt',
        'val': 'ImageNet_LT_val.txt',
        'test': 'ImageNet_LT_test.txt',
    }
    METAINFO = {'classes': IMAGENET_CATEGORIES}
