from typing import List, Tuple

import torch
from mmpretrain.models.heads import LinearClsHead
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.core.bbn import bilateral_features
from lt_mm.registry import MODELS


def _targets(data_samples: List[DataSample]) -> Tensor:
    if 'gt_score' in data_samples[0]:
        return torch.stack([s.gt_score for s in data_samples])
    return torch.cat([s.gt_label for s in data_samples])


@MODELS.register_module()
class BBNClsHead(LinearClsHead):
    """BBN's shared classifier with cumulative learning (Zhou et al., CVPR
    2020): ``z = W [2 alpha f_c ; 2 (1 - alpha) f_r] + b`` and ``alpha
    L(z, y_c) + (1 - alpha) L(z, y_r)`` in training, ``W [f_c ; f_r] + b``
    at test time (:mod:`lt_mm.core.bbn`).

    arXiv: https://arxiv.org/abs/1912.02413

    ``in_channels`` is the width of both branches together (128 for
    ResNet-32, 4096 for ResNeXt-50). :class:`lt_mm.BBNClassifier` calls
    :meth:`loss_bilateral`; prediction is LinearClsHead's on the
    concatenated features of :class:`lt_mm.BBNBackbone`. ``loss`` may be
    any classification loss; it gets ``avg_factor`` = batch size as in
    mmpretrain's ``ClsHead``.
    """

    def loss_bilateral(self, conventional: Tuple[Tensor],
                       rebalancing: Tuple[Tensor],
                       conventional_samples: List[DataSample],
                       rebalancing_samples: List[DataSample],
                       alpha: float) -> dict:
        """The mixed loss of one step: features of the conventional and the
        re-balancing branch (the neck's tuples), their samples, ``alpha``."""
        feats = bilateral_features(
            self.pre_logits(conventional), self.pre_logits(rebalancing),
            alpha)
        logits = self.fc(feats)
        num = logits.size(0)
        loss = alpha * self.loss_module(
            logits, _targets(conventional_samples).to(logits.device),
            avg_factor=num) + (1 - alpha) * self.loss_module(
                logits, _targets(rebalancing_samples).to(logits.device),
                avg_factor=num)
        return dict(loss=loss)
