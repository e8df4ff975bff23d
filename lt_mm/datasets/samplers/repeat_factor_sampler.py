from typing import Optional

import numpy as np

from lt_mm.core.sampling import (ROUNDINGS, expected_epoch_length,
                                 repeat_factors, round_repeat_factors)
from lt_mm.registry import DATA_SAMPLERS
from .resampling_sampler import ResamplingSampler


@DATA_SAMPLERS.register_module()
class RepeatFactorSampler(ResamplingSampler):
    """Repeat factor sampling (RFS) of Gupta et al., "LVIS: A Dataset for
    Large Vocabulary Instance Segmentation", CVPR 2019.

    arXiv: https://arxiv.org/abs/1908.03195

    Each image ``I`` appears ``r_I`` times per epoch on average::

        f_c = (images containing class c) / (images)
        r_c = max(1, sqrt(t / f_c))
        r_I = max over the classes c in I of r_c

    counted on the dataset it is given, after its filtering; ignored
    instances (``ignore_flag``) do not count and images without kept
    instances have ``r_I = 1``. It replaces mmengine's ``ClassBalancedDataset``
    wrapper: put it in ``train_dataloader.sampler`` and leave the dataset
    unwrapped. Works on mmdet (``instances``) and mmpretrain (``gt_label``)
    datasets, plain or in ConcatDataset / RepeatDataset.

    Rounding of ``r_I`` to whole copies:

    - ``'stochastic'`` (detectron2's ``RepeatFactorTrainingSampler``): each
      epoch ``floor(r_I)`` copies plus one with probability ``frac(r_I)``,
      redrawn every epoch. detectron2's sampler is infinite; MMEngine's
      epoch loops fix the iterations per epoch from ``len(dataloader)`` once,
      so every epoch here has the same length ``round(sum_I r_I)``: the extra
      copies are one systematic sample of exactly that many images, each
      still picked with probability ``frac(r_I)``, rescaled by
      ``round(S) / S`` with ``S = sum_I frac(r_I)`` (a relative change of at
      most ``1 / (2 S)``); see
      :func:`lt_mm.core.sampling.round_repeat_factors`.
    - ``'ceil'`` (mmengine's ``ClassBalancedDataset``): ``ceil(r_I)`` copies,
      the same every epoch; it over-samples more than stochastic rounding.

    Under torch.distributed every rank draws the same epoch list from
    ``seed + epoch`` and takes its own shard; all shards have the same
    length (the list is padded to a multiple of the world size).

    Args:
        dataset (BaseDataset): The training dataset.
        repeat_thr (float): Frequency threshold ``t``; classes in fewer than
            ``t * len(dataset)`` images are repeated. Defaults to 0.001
            (LVIS v1).
        rounding (str): ``'stochastic'`` (default) or ``'ceil'``.
        shuffle (bool): Shuffle the epoch list. Defaults to True.
        seed (int, optional): Random seed, the same on every rank; synchronised
            across ranks when None. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 repeat_thr: float = 0.001,
                 rounding: str = 'stochastic',
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        if rounding not in ROUNDINGS:
            raise ValueError(
                f'rounding must be one of {ROUNDINGS}, got {rounding!r}')
        super().__init__(dataset, seed)
        self.repeat_thr = repeat_thr
        self.rounding = rounding
        self.shuffle = shuffle
        self.repeat_factors = repeat_factors(self.label_index, repeat_thr)
        if rounding == 'ceil':
            self._fixed_copies = round_repeat_factors(self.repeat_factors,
                                                      'ceil')
            self.epoch_length = int(self._fixed_copies.sum())
        else:
            self.epoch_length = expected_epoch_length(self.repeat_factors)

    def draw_epoch(self, rng: np.random.Generator) -> np.ndarray:
        if self.rounding == 'ceil':
            copies = self._fixed_copies
        else:
            copies = round_repeat_factors(self.repeat_factors, 'stochastic',
                                          rng)
        indices = np.repeat(np.arange(len(copies)), copies)
        return rng.permutation(indices) if self.shuffle else indices
