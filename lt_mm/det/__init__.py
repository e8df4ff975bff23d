"""mmdet 3.x adapters."""
from .datasets import LVISDataset
from .layers import NormedConv2d, NormedLinear
from .losses import SeesawLoss

__all__ = ['LVISDataset', 'NormedConv2d', 'NormedLinear', 'SeesawLoss']
