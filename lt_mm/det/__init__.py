"""mmdet 3.x adapters."""
from .datasets import BiLevelSampler, LVISDataset, SampledClassDataset
from .engine import FeatureMemoryInitHook
from .evaluation import LVISMetric
from .models import (AdaptiveClassSuppressionLoss, EqualizationLoss,
                     EqualizationLossV2, EqualizedFocalLoss,
                     EquilibriumLoss, FederatedLoss, GroupSoftmaxLoss,
                     LOCERoIHead, NorCalCalibration, NormedConv2d,
                     NormedLinear, SeesawLoss, SimCalRoIHead)

__all__ = [
    'AdaptiveClassSuppressionLoss', 'BiLevelSampler', 'EqualizationLoss',
    'EqualizationLossV2', 'EqualizedFocalLoss', 'EquilibriumLoss',
    'FeatureMemoryInitHook', 'FederatedLoss', 'GroupSoftmaxLoss',
    'LOCERoIHead', 'LVISDataset', 'LVISMetric', 'NorCalCalibration',
    'NormedConv2d', 'NormedLinear', 'SampledClassDataset', 'SeesawLoss',
    'SimCalRoIHead'
]
