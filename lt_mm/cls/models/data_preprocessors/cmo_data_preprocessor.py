from typing import List

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.cls.models.classifiers.bbn_classifier import current_epoch
from lt_mm.core.cmo import box_label_ratio, cutmix_box
from lt_mm.datasets.paired_dataset import paired_streams
from lt_mm.registry import MODELS


@MODELS.register_module()
class CMODataPreprocessor(ClsDataPreprocessor):
    """Context-rich minority oversampling (Park et al., `The Majority Can
    Help the Minority: Context-rich Minority Oversampling for Long-Tailed
    Classification <https://arxiv.org/abs/2112.00412>`_, CVPR 2022) as a
    training-batch augmentation, for any loss that takes soft targets.

    arXiv: https://arxiv.org/abs/2112.00412

    Training batches come from a :class:`lt_mm.PairedDataset` with
    :class:`lt_mm.PairedSampler`: the first stream from the instance
    sampler (the majority-context backgrounds), the second from
    :class:`lt_mm.ClassBalancedSampler` (the minority images; the authors'
    ``WeightedRandomSampler`` with weights ``1 / n_y``,
    imbalance_data/imbalance_cifar.py L89-L98). The model sees the first
    stream only. In epochs ``begin <= epoch < end`` (0-indexed), with
    probability ``prob`` per batch, one box (:func:`lt_mm.core.cmo.cutmix_box`,
    ``lam ~ Beta(beta, beta)``, one box for the whole batch) of each
    minority image is pasted onto its background image and the target
    becomes ``lam' onehot(y_bg) + (1 - lam') onehot(y_minority)`` with
    ``lam'`` from the clipped box (naver-ai/cmo, cifar_train.py L279-L311);
    other batches keep their hard labels. Random draws (the batch's coin,
    ``lam``, the centre row, the centre column, in the authors' order) use
    numpy's global generator, which MMEngine seeds and lt_mm's RNG-state
    hook checkpoints.

    Defaults are the authors' CIFAR run (``--start_data_aug 3
    --end_data_aug 3`` of 200 epochs: active while ``3 < epoch < 197``,
    i.e. epochs 4 to 196; ``--mixup_prob 0.5``, ``--beta 1``).

    Args:
        begin (int): First epoch with CMO. Defaults to 4.
        end (int): First epoch without CMO again. Defaults to 197.
        prob (float): Probability of CMO for a batch. Defaults to 0.5.
        beta (float): Parameter of the Beta distribution of ``lam``.
            Defaults to 1.0.
        **kwargs: ClsDataPreprocessor's arguments (``num_classes`` is
            required; ``batch_augments`` is not supported).
    """

    def __init__(self, begin: int = 4, end: int = 197, prob: float = 0.5,
                 beta: float = 1.0, **kwargs) -> None:
        if kwargs.get('batch_augments') is not None:
            raise ValueError('CMODataPreprocessor is the batch augmentation; '
                             'it does not combine with batch_augments')
        super().__init__(**kwargs)
        if self.num_classes is None:
            raise ValueError('CMODataPreprocessor needs num_classes for the '
                             'mixed targets')
        if not 0 <= begin <= end:
            raise ValueError(f'need 0 <= begin <= end, got {begin}, {end}')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must lie in [0, 1], got {prob}')
        if beta <= 0:
            raise ValueError(f'beta must be positive, got {beta}')
        self.begin, self.end, self.prob, self.beta = begin, end, prob, beta

    def _scores(self, samples: List[DataSample]) -> Tensor:
        if 'gt_score' in samples[0]:
            return torch.stack([s.gt_score for s in samples]).float()
        labels = torch.cat([s.gt_label for s in samples])
        return F.one_hot(labels, self.num_classes).float()

    def forward(self, data: dict, training: bool = False) -> dict:
        data = super().forward(data, training)
        if not training:
            return data
        inputs, samples = data['inputs'], data['data_samples']
        background, minority = paired_streams(samples)
        out_samples = [samples[i] for i in background]
        out_inputs = inputs[background]
        epoch, _ = current_epoch()
        # the coin is drawn for every batch, as the authors' r
        coin = np.random.rand()
        if self.begin <= epoch < self.end and coin < self.prob:
            lam = np.random.beta(self.beta, self.beta)
            height, width = out_inputs.shape[-2:]
            center_row = np.random.randint(height)
            center_col = np.random.randint(width)
            r1, r2, c1, c2 = cutmix_box(height, width, lam, center_row,
                                        center_col)
            pasted = inputs[minority]
            out_inputs[:, :, r1:r2, c1:c2] = pasted[:, :, r1:r2, c1:c2]
            lam = box_label_ratio((r1, r2, c1, c2), height, width)
            scores = lam * self._scores(out_samples) + (1 - lam) * \
                self._scores([samples[i] for i in minority])
            for sample, score in zip(out_samples, scores):
                sample.set_gt_score(score)
        return dict(inputs=out_inputs, data_samples=out_samples)
