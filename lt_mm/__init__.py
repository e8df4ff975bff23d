"""lt_mm: long-tailed recognition methods as OpenMMLab 2.x plugins.

``import lt_mm`` registers every component whose host is installed (mmdet
for ``lt_mm.det``, mmpretrain for ``lt_mm.cls``) in the ``lt_mm`` scope and
applies the host compatibility patches of :mod:`lt_mm.utils.compat`.
"""
from importlib.util import find_spec

from .utils.compat import apply_host_patches
from .version import __version__

apply_host_patches()

from . import core, engine, registry  # noqa: E402,F401

if find_spec('mmdet') is not None:
    from . import det  # noqa: F401
if find_spec('mmpretrain') is not None:
    from . import cls  # noqa: F401

__all__ = ['__version__']
