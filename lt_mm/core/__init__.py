"""The math of every method, in plain torch / numpy (no OpenMMLab imports).

Submodules: ``label_index`` (every image's labels, the layout samplers and
class statistics read), ``losses`` (every loss's math), ``sampling`` (repeat
factors and class-aware sampling weights), ``bilevel_sampling`` and
``dual_head_calibration`` (SimCal), ``feature_memory`` (LOCE), ``norcal``
(NorCal's test-time calibration), ``max_norm`` (weight balancing's MaxNorm),
``evaluation`` (LVIS AP, per-class tables), ``long_tailed_counts`` and
``shot_accuracy`` (classification protocols).
"""
from .class_statistics import (FREQUENCY_GROUPS, ClassStatistics,
                               frequency_groups)
from .class_statistics_receiver import (ClassCountsReceiver,
                                        ClassStatisticsReceiver)
from .distributed import all_reduce_sum
from .label_index import LabelIndex
from .losses import (LongTailedLoss, class_weighted_bce, eql_bce,
                     eqlv2_gradient_sums, eqlv2_weights, seesaw_logits)
from .max_norm import max_norm_project_, max_norm_radius
from .norcal import norcal_log_weights, norcal_logits, norcal_scores
from .precision import at_least_float32

__all__ = [
    'FREQUENCY_GROUPS', 'ClassCountsReceiver', 'ClassStatistics',
    'ClassStatisticsReceiver', 'LabelIndex', 'LongTailedLoss',
    'all_reduce_sum', 'at_least_float32', 'class_weighted_bce', 'eql_bce',
    'eqlv2_gradient_sums', 'eqlv2_weights', 'frequency_groups',
    'max_norm_project_', 'max_norm_radius', 'norcal_log_weights',
    'norcal_logits', 'norcal_scores', 'seesaw_logits'
]
