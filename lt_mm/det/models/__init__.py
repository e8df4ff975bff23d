"""mmdet models: losses, RoI heads and layers."""
from .layers import NormedConv2d, NormedLinear
from .losses import (AdaptiveClassSuppressionLoss, EqualizationLoss,
                     EqualizationLossV2, EqualizedFocalLoss,
                     EquilibriumLoss, FederatedLoss, GroupSoftmaxLoss,
                     NorCalCalibration, SeesawLoss)
from .roi_heads import LOCERoIHead, SimCalRoIHead

__all__ = [
    'AdaptiveClassSuppressionLoss', 'EqualizationLoss', 'EqualizationLossV2',
    'EqualizedFocalLoss', 'EquilibriumLoss', 'FederatedLoss',
    'GroupSoftmaxLoss', 'LOCERoIHead', 'NorCalCalibration', 'NormedConv2d',
    'NormedLinear', 'SeesawLoss', 'SimCalRoIHead'
]
