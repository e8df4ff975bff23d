"""Long-tailed CIFAR-10 / CIFAR-100 (CIFAR-10-LT, CIFAR-100-LT).

The training split keeps ``n_i = int(n_max * (1 / IR) ** (i / (C - 1)))``
images of class ``i`` (Cao et al., NeurIPS 2019, LDAM-DRW), chosen exactly as
the reference ``imbalance_cifar.py`` chooses them (seed 0), so results compare
with the published ones: CIFAR-100-LT at imbalance ratio 100 has 10,847
training images (many / medium / few = 35 / 35 / 30 classes), CIFAR-10-LT
12,406. The test split is the balanced original one.
"""
from mmpretrain.datasets import CIFAR10, CIFAR100

from lt_mm.core.long_tailed_counts import (long_tailed_counts,
                                           long_tailed_indices)
from lt_mm.registry import DATASETS


class LongTailedCIFARMixin:
    """Turns a CIFAR dataset's training split into its long-tailed subset.

    Args:
        imbalance_ratio (float): n_max / n_min; 100, 50 and 10 are the
            published settings. 1 keeps the balanced set. Defaults to 100.
        imbalance_type (str): 'exp' (the standard) or 'step'. Defaults to
            'exp'.
        seed (int): Seed of the per-class shuffles (LDAM-DRW's
            ``rand_number``). Defaults to 0.
        **kwargs: Arguments of the mmpretrain CIFAR dataset (``data_root``,
            ``split``, ``pipeline`` ...).
    """

    def __init__(self,
                 *args,
                 imbalance_ratio: float = 100,
                 imbalance_type: str = 'exp',
                 seed: int = 0,
                 **kwargs):
        self.imbalance_ratio = imbalance_ratio
        self.imbalance_type = imbalance_type
        self.seed = seed
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        if self.split != 'train':
            return data_list
        num_classes = len(self.metainfo['classes'])
        labels = [info['gt_label'] for info in data_list]
        # n_max from the balanced set, as the reference code takes it.
        counts = long_tailed_counts(num_classes, len(labels) // num_classes,
                                    self.imbalance_ratio, self.imbalance_type)
        keep = long_tailed_indices(labels, counts, self.seed)
        return [data_list[i] for i in keep]


@DATASETS.register_module()
class CIFAR10LT(LongTailedCIFARMixin, CIFAR10):
    """CIFAR-10-LT: the training split long-tailed by the LDAM protocol.

    Reads the python batches under ``data_root/cifar-10-batches-py`` like
    mmpretrain's ``CIFAR10``; see :class:`LongTailedCIFARMixin` for the
    arguments.
    """


@DATASETS.register_module()
class CIFAR100LT(LongTailedCIFARMixin, CIFAR100):
    """CIFAR-100-LT: the training split long-tailed by the LDAM protocol.

    Reads ``data_root/cifar-100-python`` like mmpretrain's ``CIFAR100``; see
    :class:`LongTailedCIFARMixin` for the arguments.
    """
