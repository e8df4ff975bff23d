from .lvis_dataset import LVISDataset

__all__ = ['LVISDataset']
