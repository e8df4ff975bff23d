from .drw_hook import DRWHook
from .ncm_hook import NCMHook
from .reset_classifier_hook import ResetClassifierHook

__all__ = ['DRWHook', 'NCMHook', 'ResetClassifierHook']
