from .drw_hook import DRWHook
from .max_norm_hook import MaxNormHook
from .ncm_hook import NCMHook
from .reset_classifier_hook import ResetClassifierHook

__all__ = ['DRWHook', 'MaxNormHook', 'NCMHook', 'ResetClassifierHook']
