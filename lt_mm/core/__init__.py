"""The math of every method, in plain torch / numpy (no OpenMMLab imports)."""
from .class_statistics import (FREQUENCY_GROUPS, ClassStatistics,
                               frequency_groups)
from .distributed import all_reduce_sum
from .precision import at_least_float32
from .losses import (class_weighted_bce, eql_bce, eqlv2_gradient_sums, eqlv2_weights,
                     seesaw_logits)

__all__ = [
    'FREQUENCY_GROUPS', 'ClassStatistics', 'all_reduce_sum', 'at_least_float32',
    'class_weighted_bce',
    'eql_bce', 'eqlv2_gradient_sums', 'eqlv2_weights', 'frequency_groups',
    'seesaw_logits'
]
