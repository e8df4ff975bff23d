"""mmdet 3.x adapters."""
from .datasets import LVISDataset

__all__ = ['LVISDataset']
