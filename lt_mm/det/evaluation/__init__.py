from .lvis_metric import LVISMetric

__all__ = ['LVISMetric']
