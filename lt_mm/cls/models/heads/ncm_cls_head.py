from typing import List, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.core import all_reduce_sum
from lt_mm.registry import MODELS


@MODELS.register_module()
class NCMClsHead(ClsHead):
    """Nearest class mean classifier (Kang et al., ICLR 2020).

    The logit of class j is the cosine similarity between the L2-normalised
    feature x and the mean m_j of the L2-normalised training features of
    class j: ``z_j = s * <x / |x|, m_j / |m_j|>``.

    The means are accumulated into float64 buffers (``feature_sums``,
    ``feature_counts``) by :class:`lt_mm.NCMHook`, which runs the frozen
    model over the training set before validation / testing when the head
    has none; a checkpoint that carries them tests without training data.
    The head has no parameters and is not trained by a loss.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature size.
        scale (float): s, only shapes the scores' softmax. Defaults to 16.
        **kwargs: ClsHead's other arguments (topk, init_cfg).
    """

    def __init__(self, num_classes: int, in_channels: int,
                 scale: float = 16.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if num_classes <= 0 or in_channels <= 0:
            raise ValueError('num_classes and in_channels must be positive')
        self.num_classes, self.in_channels = num_classes, in_channels
        self.scale = scale
        self.register_buffer(
            'feature_sums',
            torch.zeros(num_classes, in_channels, dtype=torch.float64))
        self.register_buffer('feature_counts',
                             torch.zeros(num_classes, dtype=torch.float64))

    @property
    def has_class_means(self) -> bool:
        return bool(self.feature_counts.sum() > 0)

    def reset_class_means(self) -> None:
        self.feature_sums.zero_()
        self.feature_counts.zero_()

    @torch.no_grad()
    def accumulate(self, feats: Tuple[Tensor], labels: Tensor,
                   reduce: bool = True) -> None:
        """Add a batch of training features (pre-logits) of known labels.

        With ``reduce`` the batch's sums are summed over ranks first, so every
        rank holds the means of the whole training set.
        """
        x = F.normalize(self.pre_logits(feats).to(torch.float64), dim=1)
        sums = torch.zeros_like(self.feature_sums).index_add_(
            0, labels.to(x.device).long(), x)
        counts = torch.bincount(labels.long(),
                                minlength=self.num_classes).to(sums)
        if reduce:
            all_reduce_sum(sums)
            all_reduce_sum(counts)
        self.feature_sums += sums
        self.feature_counts += counts

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        if not self.has_class_means:
            raise RuntimeError(
                'NCMClsHead has no class means: add '
                "dict(type='lt_mm.NCMHook') to custom_hooks, or load a "
                'checkpoint that carries them')
        x = F.normalize(self.pre_logits(feats), dim=1)
        # a class without training samples has a zero mean: cosine 0
        means = F.normalize(self.feature_sums, dim=1).to(x)
        return self.scale * x @ means.t()

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        raise RuntimeError(
            'NCMClsHead is not trained by a loss: test the first stage '
            'checkpoint with lt_mm.NCMHook in custom_hooks')
