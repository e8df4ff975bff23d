"""lt_mm: long-tailed recognition methods as OpenMMLab 2.x plugins.

``import lt_mm`` registers every component whose host is installed (mmdet
for ``lt_mm.det``, mmpretrain for ``lt_mm.cls``) in the ``lt_mm`` scope and
applies the host compatibility patches of :mod:`lt_mm.utils.compat`.
"""
from importlib.util import find_spec

from .utils.compat import apply_host_patches
from .version import __version__

apply_host_patches()

from . import core, datasets, engine, registry  # noqa: E402,F401


def _installed(package: str) -> bool:
    # A host that is installed but fails to import should fail loudly, so
    # ask whether it is there instead of trying to import it.
    try:
        return find_spec(package) is not None
    except (ImportError, ValueError):  # blocked: sys.modules[package] = None
        return False


if _installed('mmdet'):
    from . import det  # noqa: F401
if _installed('mmpretrain'):
    from . import cls  # noqa: F401

__all__ = ['__version__']
