"""Modules built on the training set's class statistics."""
from typing import Optional

import torch
from torch import Tensor

from .class_statistics import ClassStatistics

#: What a config adds to hand the statistics over (lt_mm's runtime bases
#: already carry it).
STATISTICS_HOOK = ("default_hooks=dict(class_statistics=dict("
                   "type='lt_mm.ClassStatisticsHook'))")


class ClassStatisticsReceiver:
    """Mixin of a module that needs the training set's class statistics.

    ``lt_mm.ClassStatisticsHook`` finds every submodule of the model that is
    an instance of this class and calls :meth:`set_class_statistics` once
    before training. The receiver keeps what it needs in buffers
    (:meth:`receive_class_statistics`) and raises its ``has_statistics``
    flag, a buffer too, so a checkpoint carries both and testing needs no
    training data. Where the statistics are used, :meth:`require_statistics`
    stops with an error that names the hook to add.

    A subclass (an ``nn.Module`` with a ``num_classes``) calls
    :meth:`init_class_statistics` in its ``__init__``, after
    ``nn.Module.__init__``, and implements :meth:`receive_class_statistics`.
    """
    num_classes: int

    def init_class_statistics(self, num_classes: Optional[int] = None) -> None:
        """Register the flag; ``num_classes``, if given, becomes the
        module's (otherwise the module defines it)."""
        if num_classes is not None:
            if not isinstance(num_classes, int) or num_classes <= 0:
                raise ValueError('num_classes must be a positive integer, '
                                 f'got {num_classes}')
            self.num_classes = num_classes
        self.register_buffer('has_statistics', torch.tensor(False))

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        """Store what the module needs of ``stats`` in its buffers."""
        raise NotImplementedError

    def set_class_statistics(self, stats: ClassStatistics) -> None:
        if stats.num_classes != self.num_classes:
            raise ValueError(
                f'{type(self).__name__} has num_classes={self.num_classes} '
                f'but the training dataset has {stats.num_classes} classes')
        self.receive_class_statistics(stats)
        self.has_statistics.fill_(True)

    def require_statistics(self) -> None:
        if not bool(self.has_statistics):
            raise RuntimeError(
                f'{type(self).__name__} needs the class statistics of the '
                f'training set: add {STATISTICS_HOOK} to the config, or load '
                'a checkpoint trained with it')


class ClassCountsReceiver(ClassStatisticsReceiver):
    """A receiver that keeps the per-class training instance counts.

    The ``class_counts`` buffer is float64, C entries;
    :meth:`require_class_counts` returns it once the statistics arrived.
    """

    def init_class_statistics(self, num_classes: Optional[int] = None) -> None:
        super().init_class_statistics(num_classes)
        self.register_buffer(
            'class_counts', torch.zeros(self.num_classes, dtype=torch.float64))

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        self.class_counts.copy_(
            torch.as_tensor(stats.instance_counts, dtype=torch.float64))

    def require_class_counts(self) -> Tensor:
        self.require_statistics()
        return self.class_counts
