"""A small real long-tailed set that needs no download: scikit-learn's
handwritten digits (1,797 8x8 images of 10 classes, the UCI optical
recognition set bundled with scikit-learn) made long-tailed by the LDAM
protocol of CIFAR-LT.

A balanced test set of ``test_per_class`` images per class is split off first
(seeded shuffles per class); the rest of each class is the balanced pool, of
``n_max`` = its smallest class size (124 with the defaults), from which the
training split keeps ``int(n_max * (1 / IR) ** (i / 9))`` images of digit
``i``: 124 80 51 33 21 14 9 5 3 2 (342 images) at the default IR 50.

With 124 head images the standard many / few thresholds (> 100 / < 20) would
leave a single many-shot class, so the digits configs scale them to
> 40 / < 10: 3 many-shot, 3 medium-shot and 4 few-shot classes, close to the
35 / 35 / 30 split of CIFAR-100-LT.
"""
import numpy as np
from mmpretrain.datasets import BaseDataset

from lt_mm.core.long_tailed_counts import (long_tailed_counts,
                                           long_tailed_indices)
from lt_mm.registry import DATASETS


@DATASETS.register_module()
class DigitsLT(BaseDataset):
    """Long-tailed handwritten digits (see the module docstring).

    Samples are 8x8 uint8 grey images (the 0-16 ink levels times 16, capped
    at 255) under ``'img'``, the digit under ``'gt_label'`` and the position
    in ``load_digits()`` under ``'source_index'``; the same arguments always
    give the same split.

    Args:
        split (str): 'train' (long-tailed) or 'test' (balanced).
        imbalance_ratio (float): n_max / n_min of the training split.
        test_per_class (int): Test images of each digit.
        seed (int): Seed of the test split and of the long-tailed selection.
        **kwargs: Other arguments of mmpretrain's ``BaseDataset``
            (``pipeline``, ``indices`` ...).
    """
    METAINFO = {'classes': tuple(str(i) for i in range(10))}

    def __init__(self,
                 split: str = 'train',
                 imbalance_ratio: float = 50,
                 test_per_class: int = 50,
                 seed: int = 0,
                 **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.split = split
        self.imbalance_ratio = imbalance_ratio
        self.test_per_class = test_per_class
        self.seed = seed
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', **kwargs)

    def load_data_list(self):
        # Imported here: scikit-learn is needed only by this demo dataset.
        from sklearn.datasets import load_digits
        digits = load_digits()
        labels = digits.target.astype(np.int64)
        num_classes = len(self.metainfo['classes'])
        rng = np.random.RandomState(self.seed)
        test, pool = [], []
        for c in range(num_classes):
            idx = np.flatnonzero(labels == c)
            if len(idx) <= self.test_per_class:
                raise ValueError(f'digit {c} has {len(idx)} images, too few '
                                 f'for test_per_class={self.test_per_class}')
            rng.shuffle(idx)
            test.append(idx[:self.test_per_class])
            pool.append(idx[self.test_per_class:])
        if self.split == 'test':
            keep = np.sort(np.concatenate(test))
        else:
            pool = np.sort(np.concatenate(pool))
            max_count = np.bincount(labels[pool], minlength=num_classes).min()
            counts = long_tailed_counts(num_classes, int(max_count),
                                        self.imbalance_ratio)
            keep = pool[long_tailed_indices(labels[pool], counts, self.seed)]
        images = np.minimum(digits.images * 16, 255).astype(np.uint8)
        return [{
            'img': images[i],
            'gt_label': int(labels[i]),
            'source_index': int(i)  # position in load_digits()
        } for i in keep]
