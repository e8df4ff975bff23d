from .loce_roi_head import LOCERoIHead
from .simcal_roi_head import SimCalRoIHead

__all__ = ['LOCERoIHead', 'SimCalRoIHead']
