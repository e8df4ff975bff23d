from .feature_memory_init_hook import FeatureMemoryInitHook

__all__ = ['FeatureMemoryInitHook']
