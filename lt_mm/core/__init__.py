"""The math of every method, in plain torch / numpy (no OpenMMLab imports)."""
from .class_statistics import (FREQUENCY_GROUPS, ClassStatistics,
                               frequency_groups)
from .distributed import all_reduce_sum
from .losses import seesaw_logits

__all__ = [
    'FREQUENCY_GROUPS', 'ClassStatistics', 'all_reduce_sum',
    'frequency_groups', 'seesaw_logits'
]
