"""Detection-only samplers (they need mmdet's data samples)."""
from .bilevel_sampler import BiLevelSampler

__all__ = ['BiLevelSampler']
