"""mmdet-side hooks."""
from .hooks import FeatureMemoryInitHook

__all__ = ['FeatureMemoryInitHook']
