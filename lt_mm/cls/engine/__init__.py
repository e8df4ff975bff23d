"""mmpretrain-side hooks."""
from .hooks import DRWHook, NCMHook, ResetClassifierHook

__all__ = ['DRWHook', 'NCMHook', 'ResetClassifierHook']
