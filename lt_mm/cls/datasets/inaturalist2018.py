"""iNaturalist 2018 (Van Horn et al., CVPR 2018) as a long-tailed benchmark:
8,142 species, 437,513 training images, the balanced validation set of
24,426 images (3 per class) serving as test set (Kang et al., ICLR 2020).
"""
from lt_mm.registry import DATASETS
from .split_list_dataset import SplitListDataset, numbered_classes


@DATASETS.register_module()
class INaturalist2018(SplitListDataset):
    """iNaturalist 2018 from the list files ``iNaturalist18_{train,val}.txt``
    of the decoupling code (lines like
    ``train_val2018/Plantae/7477/<id>.jpg 7477``) under ``data_root``.
    Classes are named by their id. See :class:`SplitListDataset` for the
    arguments.
    """
    SPLIT_FILES = {
        'train': 'iNaturalist18_train.txt',
        'val': 'iNaturalist18_val.txt',
    }
    METAINFO = {'classes': numbered_classes(8142)}
