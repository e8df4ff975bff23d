"""mmpretrain-side hooks."""
from .hooks import DRWHook, MaxNormHook, NCMHook, ResetClassifierHook

__all__ = ['DRWHook', 'MaxNormHook', 'NCMHook', 'ResetClassifierHook']
