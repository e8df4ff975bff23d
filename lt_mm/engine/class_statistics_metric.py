from typing import Optional

from lt_mm.core import ClassStatistics


class ClassStatisticsMetric:
    """Mixin of an evaluator metric that reads the training set's class
    statistics (shot groups, per-class tables).

    While a runner trains, :class:`lt_mm.ClassStatisticsHook` hands the
    statistics of the runner's own training dataset to every metric of the
    validation evaluator that is an instance of this class
    (:meth:`set_class_statistics`), so the training set is not built a
    second time. A metric evaluated without training (``tools/test.py``)
    counts them once, on first use, with :meth:`count_training_set`.
    """
    _class_statistics: Optional[ClassStatistics] = None

    def set_class_statistics(self, stats: ClassStatistics) -> None:
        self._class_statistics = stats

    @property
    def class_statistics(self) -> ClassStatistics:
        """The training set's statistics, counted on first use when no hook
        handed them over."""
        if self._class_statistics is None:
            self._class_statistics = self.count_training_set()
        return self._class_statistics

    def count_training_set(self) -> ClassStatistics:
        """Count the training set without a runner."""
        raise NotImplementedError
