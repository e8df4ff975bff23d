"""mmdet 3.x adapters."""
from .datasets import LVISDataset
from .layers import NormedConv2d, NormedLinear
from .losses import EqualizationLoss, EqualizationLossV2, SeesawLoss

__all__ = [
    'EqualizationLoss', 'EqualizationLossV2', 'LVISDataset', 'NormedConv2d',
    'NormedLinear', 'SeesawLoss'
]
