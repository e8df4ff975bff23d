"""mmdet 3.x adapters."""
from .datasets import LVISDataset, SampledClassDataset
from .evaluation import LVISMetric
from .hooks import FeatureMemoryInitHook
from .layers import NormedConv2d, NormedLinear
from .losses import (AdaptiveClassSuppressionLoss, EqualizationLoss,
                     EqualizationLossV2, EquilibriumLoss, GroupSoftmaxLoss,
                     SeesawLoss)
from .roi_heads import LOCERoIHead, SimCalRoIHead
from .samplers import BiLevelSampler

__all__ = [
    'AdaptiveClassSuppressionLoss', 'BiLevelSampler', 'EqualizationLoss',
    'EqualizationLossV2', 'EquilibriumLoss', 'FeatureMemoryInitHook',
    'GroupSoftmaxLoss', 'LOCERoIHead', 'LVISDataset', 'LVISMetric',
    'NormedConv2d', 'NormedLinear', 'SampledClassDataset', 'SeesawLoss',
    'SimCalRoIHead'
]
