from .lvis_dataset import LVISDataset
from .sampled_class_dataset import SampledClassDataset
from .samplers import BiLevelSampler

__all__ = ['BiLevelSampler', 'LVISDataset', 'SampledClassDataset']
