"""The math of every method, in plain torch / numpy (no OpenMMLab imports)."""
from .class_statistics import (FREQUENCY_GROUPS, ClassStatistics,
                               frequency_groups)

__all__ = ['FREQUENCY_GROUPS', 'ClassStatistics', 'frequency_groups']
