"""Patches that let the released hosts run on current torch and numpy.

Both problems are fixed on the hosts' main branches but in no release:

* torch >= 2.6 loads checkpoints with ``weights_only=True``. MMEngine 0.10.7
  checkpoints hold ``HistoryBuffer`` objects and numpy arrays and scalars in
  their message hub, so ``--resume`` fails to unpickle them. We allow exactly
  those types with :func:`torch.serialization.add_safe_globals`; weights-only
  loading itself stays on. A ``HistoryBuffer`` also pickles its statistics
  methods as ``getattr(HistoryBuffer, 'mean')``; ``getattr`` is allowed only
  in that one form, since an unrestricted one would defeat weights-only
  loading.
* lvis-api 0.5.3 uses ``np.float`` (removed in numpy 1.24) in
  ``LVISEval.accumulate``. We give the ``lvis.eval`` module a view of numpy
  that still has the removed scalar aliases, leaving numpy itself unchanged.
"""
import pickle
import types

import numpy as np
import torch

# Aliases removed from numpy 1.24; they always meant the Python builtins.
_REMOVED_NUMPY_ALIASES = dict(float=float, int=int, bool=bool, object=object)


def _numpy_checkpoint_globals() -> list:
    """Numpy callables and classes that pickled arrays and scalars name.

    A checkpoint written under numpy 1.x names ``numpy.core.multiarray``,
    one written under numpy 2 ``numpy._core.multiarray``; allow both spellings.
    """
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    allowed = [np.ndarray, np.dtype]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        allowed += [(multiarray._reconstruct, f'{module}._reconstruct'),
                    (multiarray.scalar, f'{module}.scalar')]
    # numpy >= 1.25 pickles a dtype through its class (numpy.dtypes.*DType).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [getattr(dtypes, name) for name in dir(dtypes)
                    if name.endswith('DType')]
    return allowed


def _history_buffer_statistic(owner, name: str):
    """``getattr`` as a checkpoint may use it: HistoryBuffer statistics only."""
    from mmengine.logging import HistoryBuffer
    statistics = {'min', 'max', 'current', 'mean'}
    statistics.update(HistoryBuffer._statistics_methods)
    if owner is not HistoryBuffer or name not in statistics:
        raise pickle.UnpicklingError(
            f'checkpoint calls getattr({owner!r}, {name!r}); weights-only '
            'loading allows it only for HistoryBuffer statistics methods')
    return getattr(owner, name)


def allow_mmengine_checkpoint_types() -> None:
    """Let ``torch.load(weights_only=True)`` read MMEngine checkpoints."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 does not load weights-only
        return
    from mmengine.logging import HistoryBuffer
    add_safe_globals([
        HistoryBuffer, (_history_buffer_statistic, 'builtins.getattr')
    ] + _numpy_checkpoint_globals())


def patch_lvis_numpy_aliases() -> None:
    """Make lvis-api's evaluation run under numpy >= 1.24."""
    try:
        import lvis.eval as lvis_eval
    except ImportError:
        return
    if all(hasattr(lvis_eval.np, name) for name in _REMOVED_NUMPY_ALIASES):
        return
    view = types.ModuleType('numpy')
    view.__getattr__ = lambda name: getattr(np, name)
    view.__dict__.update(_REMOVED_NUMPY_ALIASES)
    lvis_eval.np = view


def apply_host_patches() -> None:
    """Apply every host patch; safe to call more than once."""
    allow_mmengine_checkpoint_types()
    patch_lvis_numpy_aliases()
