"""mmdet models: losses, RoI heads and layers."""
from .layers import NormedConv2d, NormedLinear
from .losses import (AdaptiveClassSuppressionLoss, EqualizationLoss,
                     EqualizationLossV2, EquilibriumLoss, FederatedLoss,
                     GroupSoftmaxLoss, SeesawLoss)
from .roi_heads import LOCERoIHead, SimCalRoIHead

__all__ = [
    'AdaptiveClassSuppressionLoss', 'EqualizationLoss', 'EqualizationLossV2',
    'EquilibriumLoss', 'FederatedLoss', 'GroupSoftmaxLoss', 'LOCERoIHead',
    'NormedConv2d', 'NormedLinear', 'SeesawLoss', 'SimCalRoIHead'
]
