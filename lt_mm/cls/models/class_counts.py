"""Training class counts kept by classification losses and heads."""
import torch
from torch import Tensor

from lt_mm.core import ClassStatistics


class ClassCountsMixin:
    """Keeps the training set's per-class sample counts in a buffer.

    :class:`lt_mm.ClassStatisticsHook` calls :meth:`set_class_statistics`
    before training; the ``class_counts`` buffer (float64) then travels in
    checkpoints, so testing needs no training data. A module calls
    :meth:`_init_class_counts` in its ``__init__`` and reads the counts with
    :meth:`require_class_counts`, which fails clearly when none arrived.
    """

    def _init_class_counts(self, num_classes: int) -> None:
        if num_classes <= 0:
            raise ValueError(
                f'num_classes must be a positive integer, got {num_classes}')
        self.num_classes = num_classes
        self.register_buffer('class_counts',
                             torch.zeros(num_classes, dtype=torch.float64))

    @property
    def has_class_statistics(self) -> bool:
        # a training set always has samples (ClassStatistics enforces it)
        return bool(self.class_counts.sum() > 0)

    def set_class_statistics(self, stats: ClassStatistics) -> None:
        counts = torch.as_tensor(stats.instance_counts, dtype=torch.float64)
        if len(counts) != self.num_classes:
            raise ValueError(
                f'{type(self).__name__} has num_classes={self.num_classes} '
                f'but the class statistics cover {len(counts)} classes')
        self.class_counts.copy_(counts)

    def require_class_counts(self) -> Tensor:
        if not self.has_class_statistics:
            raise RuntimeError(
                f'{type(self).__name__} needs the training class counts: add '
                "dict(type='lt_mm.ClassStatisticsHook') to custom_hooks, or "
                'load a checkpoint trained with it')
        return self.class_counts
