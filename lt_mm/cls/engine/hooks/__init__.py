from .drw_hook import DRWHook
from .max_norm_hook import MaxNormHook
from .ncm_hook import NCMHook
from .reset_classifier_hook import ResetClassifierHook
from .test_time_aggregation_hook import TestTimeAggregationHook

__all__ = ['DRWHook', 'MaxNormHook', 'NCMHook', 'ResetClassifierHook',
           'TestTimeAggregationHook']
