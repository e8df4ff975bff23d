from .lvis_dataset import LVISDataset
from .sampled_class_dataset import SampledClassDataset

__all__ = ['LVISDataset', 'SampledClassDataset']
