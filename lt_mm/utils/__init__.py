"""Host compatibility patches (applied by ``import lt_mm``)."""
from .compat import apply_host_patches

__all__ = ['apply_host_patches']
