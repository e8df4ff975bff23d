"""Datasets given by split list files of "relative/image/path label" lines.

ImageNet-LT and Places-LT (Liu et al., OLTR, CVPR 2019) and iNaturalist 2018
as used by Kang et al. (Decoupling, ICLR 2020) are defined by such files,
e.g. ``ImageNet_LT_train.txt``::

    train/n01440764/n01440764_10026.JPEG 0
"""
from typing import Dict, Optional, Sequence

from mmengine.fileio import get_file_backend, list_from_file
from mmpretrain.datasets import BaseDataset

from lt_mm.datasets.label_index import LabelIndexCacheMixin


class SplitListDataset(LabelIndexCacheMixin, BaseDataset):
    """Base of the datasets read from "path label" split list files.

    Subclasses name the list file of each split (``SPLIT_FILES``) and the
    classes (``METAINFO``). Labels are class indices; a path is relative to
    ``data_root`` / ``data_prefix`` (a leading '/' is dropped, as some
    published lists have one).

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
    SPLIT_FILES: Dict[str, str] = {}

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 ann_file: str = '',
                 data_prefix='',
                 metainfo: Optional[dict] = None,
                 test_mode: Optional[bool] = None,
                 **kwargs):
        if split not in self.SPLIT_FILES:
            raise ValueError(f'{type(self).__name__} has splits '
                             f'{sorted(self.SPLIT_FILES)}, not {split!r}')
        self.split = split
        super().__init__(
            ann_file=ann_file or self.SPLIT_FILES[split],
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            test_mode=split != 'train' if test_mode is None else test_mode,
            **kwargs)

    def load_data_list(self):
        num_classes = len(self.metainfo['classes'])
        backend = get_file_backend(self.img_prefix, enable_singleton=True)
        data_list = []
        for line_no, line in enumerate(list_from_file(self.ann_file), 1):
            if not line.strip():
                continue
            fields = line.strip().rsplit(maxsplit=1)
            if len(fields) != 2 or not fields[1].lstrip('-').isdigit():
                raise ValueError(f'{self.ann_file}:{line_no}: expected '
                                 f'"path label", got {line.strip()!r}')
            path, label = fields[0].lstrip('/'), int(fields[1])
            if not 0 <= label < num_classes:
                raise ValueError(f'{self.ann_file}:{line_no}: label {label} '
                                 f'is outside the {num_classes} classes')
            data_list.append({
                'img_path': backend.join_path(self.img_prefix, path),
                'gt_label': label
            })
        if not data_list:
            raise ValueError(f'{self.ann_file} lists no images')
        return data_list


def numbered_classes(num_classes: int) -> Sequence[str]:
    """Class names '0', '1', ... for datasets whose lists give only ids."""
    return tuple(str(i) for i in range(num_classes))
