from typing import List, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.structures import DataSample
from torch import Tensor

from lt_mm.core.finite_statistics import FiniteStatisticsGuard, zero_rows
from lt_mm.registry import MODELS


@MODELS.register_module()
class NCMClsHead(ClsHead):
    """Nearest class mean classifier (Kang et al., `Decoupling
    Representation and Classifier for Long-Tailed Recognition
    <https://arxiv.org/abs/1910.09217>`_, ICLR 2020).

    arXiv: https://arxiv.org/abs/1910.09217

    A feature x is first transformed by ``feat_type``:

    - ``'cl2n'`` (default): centred by the mean feature mu of the training
      set, then L2-normalised, ``t(x) = (x - mu) / |x - mu|``;
    - ``'l2n'``: L2-normalised, ``t(x) = x / |x|``;
    - ``'un'``: unchanged.

    The mean of class j is ``m_j = mean of t(x_i) over its training
    samples`` (not normalised again), and the logit of class j is, by
    ``dist_type``,

    - ``'l2'`` (default): ``z_j = -|t(x) - m_j|^2``;
    - ``'cos'``: ``z_j = <t(x), m_j> / D`` (D the feature size).

    ``cl2n`` with ``l2`` is the authors' default (classifier-balancing,
    models/KNNClassifier.py L16 and L41-L81; the means in run_networks.py
    L631-L652, main.py L39). A class without training samples gets
    ``-inf`` and is never predicted.

    The statistics are float64 buffers filled by :class:`lt_mm.NCMHook`,
    which runs the frozen model over the training set before validation /
    testing when the head has none: first the feature mean
    (:meth:`accumulate_feature_mean`, only for ``cl2n``), then the class
    sums (:meth:`accumulate`). A checkpoint that carries them tests
    without training data. A feature with a NaN or inf value is left out
    of both; ``statistics_guard`` counts it and the first is reported once
    (:mod:`lt_mm.core.finite_statistics`). The head has no parameters and
    is not trained by a loss.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature size.
        feat_type (str): ``'cl2n'``, ``'l2n'`` or ``'un'``. Defaults to
            ``'cl2n'``.
        dist_type (str): ``'l2'`` or ``'cos'``. Defaults to ``'l2'``.
        **kwargs: ClsHead's other arguments (topk, init_cfg).
    """
    FEAT_TYPES = ('cl2n', 'l2n', 'un')
    DIST_TYPES = ('l2', 'cos')

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 feat_type: str = 'cl2n',
                 dist_type: str = 'l2',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if num_classes <= 0 or in_channels <= 0:
            raise ValueError('num_classes and in_channels must be positive')
        if feat_type not in self.FEAT_TYPES:
            raise ValueError(f'feat_type must be one of {self.FEAT_TYPES}, '
                             f'got {feat_type!r}')
        if dist_type not in self.DIST_TYPES:
            raise ValueError(f'dist_type must be one of {self.DIST_TYPES}, '
                             f'got {dist_type!r}')
        self.num_classes, self.in_channels = num_classes, in_channels
        self.feat_type, self.dist_type = feat_type, dist_type
        self.register_buffer(
            'feature_mean', torch.zeros(in_channels, dtype=torch.float64))
        self.register_buffer(
            'feature_sums',
            torch.zeros(num_classes, in_channels, dtype=torch.float64))
        self.register_buffer('feature_counts',
                             torch.zeros(num_classes, dtype=torch.float64))
        # the feature mean while it is being summed (not in checkpoints)
        self.register_buffer(
            'mean_sum', torch.zeros(in_channels, dtype=torch.float64),
            persistent=False)
        self.register_buffer(
            'mean_count', torch.zeros((), dtype=torch.float64),
            persistent=False)
        self.statistics_guard = FiniteStatisticsGuard(
            f'{type(self).__name__} (feature_mean, feature_sums)')

    @property
    def has_class_means(self) -> bool:
        return bool(self.feature_counts.sum() > 0)

    @property
    def needs_feature_mean(self) -> bool:
        """Whether :meth:`accumulate_feature_mean` must see the training
        set before :meth:`accumulate`."""
        return self.feat_type == 'cl2n'

    def reset_class_means(self) -> None:
        for buffer in (self.feature_mean, self.feature_sums,
                       self.feature_counts, self.mean_sum, self.mean_count):
            buffer.zero_()

    def transform(self, x: Tensor) -> Tensor:
        """``t(x)`` of ``feat_type``."""
        if self.feat_type == 'cl2n':
            x = x - self.feature_mean.to(x)
        if self.feat_type in ('cl2n', 'l2n'):
            x = F.normalize(x, dim=1)
        return x

    @torch.no_grad()
    def accumulate_feature_mean(self, feats: Tuple[Tensor],
                                reduce: bool = True) -> None:
        """Add a batch of training features to the feature mean mu (the
        first pass, for ``cl2n``); summed over ranks with ``reduce``."""
        x = self.pre_logits(feats).to(torch.float64)
        keep = self.statistics_guard.finite_rows(x)
        total, count = self.statistics_guard.record(
            zero_rows(x, keep).sum(0), keep.sum().to(x), reduce=reduce)
        self.mean_sum += total.to(self.mean_sum)
        self.mean_count += count.to(self.mean_count)
        self.feature_mean.copy_(self.mean_sum / self.mean_count.clamp(min=1))

    @torch.no_grad()
    def accumulate(self, feats: Tuple[Tensor], labels: Tensor,
                   reduce: bool = True) -> None:
        """Add a batch of training features (pre-logits) of known labels to
        the class means; summed over ranks with ``reduce``, so every rank
        holds the means of the whole training set."""
        if self.needs_feature_mean and not self.mean_count > 0:
            raise RuntimeError(
                "NCMClsHead with feat_type='cl2n' centres the features by "
                'the training mean: pass the training set through '
                'accumulate_feature_mean() before accumulate()')
        x = self.transform(self.pre_logits(feats).to(torch.float64))
        keep = self.statistics_guard.finite_rows(x)
        labels = labels.to(x.device).long()
        sums = torch.zeros_like(self.feature_sums).index_add_(
            0, labels, zero_rows(x, keep))
        counts = torch.bincount(labels, weights=keep.to(x),
                                minlength=self.num_classes).to(sums)
        sums, counts = self.statistics_guard.record(sums, counts,
                                                    reduce=reduce)
        self.feature_sums += sums
        self.feature_counts += counts

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        if not self.has_class_means:
            raise RuntimeError(
                'NCMClsHead has no class means: add '
                "dict(type='lt_mm.NCMHook') to custom_hooks, or load a "
                'checkpoint that carries them')
        x = self.transform(self.pre_logits(feats))
        means = (self.feature_sums /
                 self.feature_counts.clamp(min=1)[:, None]).to(x)
        if self.dist_type == 'l2':
            logits = -torch.cdist(x[None], means[None])[0].square()
        else:
            logits = x @ means.t() / self.in_channels
        return logits.masked_fill(self.feature_counts.to(x.device) == 0,
                                  float('-inf'))

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        raise RuntimeError(
            'NCMClsHead is not trained by a loss: test the first stage '
            'checkpoint with lt_mm.NCMHook in custom_hooks')
