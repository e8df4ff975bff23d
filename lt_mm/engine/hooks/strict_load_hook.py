"""Stop a run whose checkpoint does not fit its model.

MMEngine's runner loads ``load_from`` and ``--resume`` checkpoints with
``strict=False``: keys missing from the checkpoint, keys the model lacks and
tensors of another shape are listed in a warning and left at their
initialisation, and the run goes on (a checkpoint of another class count is
evaluated with a random classifier and exits 0). :class:`StrictLoadHook`
turns every such difference into an error, except for the keys a config
names as differing by design (a decoupled second stage's new classifier).
"""
import re
from collections import OrderedDict
from typing import List, NamedTuple, Sequence, Tuple

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.nn.modules.module import _IncompatibleKeys

from lt_mm.registry import HOOKS


class CheckpointMismatchError(RuntimeError):
    """A checkpoint's state dict does not fit the model it is loaded into."""


class StateDictMismatch(NamedTuple):
    """How a state dict differs from a model, as loading it found.

    Attributes:
        missing (list[str]): Model keys the state dict lacks.
        unexpected (list[str]): State-dict keys the model lacks.
        shape (list[tuple]): ``(key, checkpoint shape, model shape)`` of
            tensors of another shape.
        other (list[str]): Any other error loading reported.
    """
    missing: List[str]
    unexpected: List[str]
    shape: List[Tuple[str, tuple, tuple]]
    other: List[str]

    def keys(self) -> List[str]:
        return self.missing + self.unexpected + [k for k, _, _ in self.shape]

    def without(self, prefixes: Sequence[str]) -> 'StateDictMismatch':
        """The mismatches whose keys lie under none of ``prefixes``."""
        return StateDictMismatch(
            [k for k in self.missing if not _under(k, prefixes)],
            [k for k in self.unexpected if not _under(k, prefixes)],
            [s for s in self.shape if not _under(s[0], prefixes)],
            list(self.other))

    def __bool__(self) -> bool:
        return bool(self.keys() or self.other)

    def describe(self) -> str:
        lines = []
        if self.shape:
            lines.append('shape mismatch (checkpoint vs model): ' + ', '.join(
                f'{k} {list(c)} vs {list(m)}' for k, c, m in self.shape))
        if self.missing:
            lines.append('missing in the checkpoint: ' +
                         ', '.join(self.missing))
        if self.unexpected:
            lines.append('unexpected (not in the model): ' +
                         ', '.join(self.unexpected))
        lines += self.other
        return '\n'.join(lines)


def _under(key: str, prefixes: Sequence[str]) -> bool:
    return any(key == p or key.startswith(p + '.') for p in prefixes)


def load_state_dict_mismatch(model: nn.Module,
                             state_dict: dict) -> StateDictMismatch:
    """Load ``state_dict`` into ``model`` as far as it fits; report the rest.

    Walks the modules the way :meth:`torch.nn.Module.load_state_dict` does,
    so modules that adapt what they load (a ``_load_from_state_dict``
    override, load hooks) are judged by what they accept. Tensors that fit
    are copied into the model, as MMEngine's non-strict loading would copy
    them. A missing BatchNorm ``num_batches_tracked`` is not reported
    (MMEngine ignores it too: older checkpoints lack it).

    Args:
        model (nn.Module): The model (not a wrapper).
        state_dict (dict): Keys as in ``model.state_dict()``.

    Returns:
        StateDictMismatch: Missing, unexpected and reshaped keys.
    """
    metadata = getattr(state_dict, '_metadata', None)
    state_dict = OrderedDict(state_dict)
    if metadata is not None:
        state_dict._metadata = metadata
    missing, unexpected, shape, other = [], [], [], []

    def load(module, local_state_dict, prefix=''):
        local_metadata = {} if metadata is None else metadata.get(
            prefix[:-1], {})
        errors = []
        module._load_from_state_dict(local_state_dict, prefix,
                                     local_metadata, True, missing,
                                     unexpected, errors)
        tensors = dict(module._parameters, **module._buffers)
        for error in errors:
            # torch reports a shape mismatch as 'size mismatch for KEY: ...'
            name = next((n for n, t in tensors.items() if t is not None and
                         f'size mismatch for {prefix}{n}:' in error), None)
            if name is None:
                other.append(error)
            else:
                shape.append((prefix + name,
                              tuple(local_state_dict[prefix + name].shape),
                              tuple(tensors[name].shape)))
        for name, child in module._modules.items():
            if child is not None:
                child_prefix = prefix + name + '.'
                load(child, {
                    k: v
                    for k, v in local_state_dict.items()
                    if k.startswith(child_prefix)
                }, child_prefix)
        incompatible = _IncompatibleKeys(missing, unexpected)
        for hook in module._load_state_dict_post_hooks.values():
            hook(module, incompatible)

    load(model, state_dict)
    missing = [k for k in missing if not k.endswith('num_batches_tracked')]
    return StateDictMismatch(missing, unexpected, shape, other)


@HOOKS.register_module()
class StrictLoadHook(Hook):
    """Raises :class:`CheckpointMismatchError` on a checkpoint that does not
    fit the model, naming every differing key.

    It checks every checkpoint the runner loads into the model
    (``load_from``, ``--resume``) in ``after_load_checkpoint``, which the
    runner calls before it loads the state dict. ``tools/train.py`` and
    ``tools/test.py`` add it unless ``--partial-load`` is given.

    Args:
        may_differ (Sequence[str]): Keys, or module prefixes of keys
            (``'roi_head.bbox_head.fc_cls'`` covers its weight and bias),
            that may be missing from, shaped otherwise in or extra in the
            checkpoint: what a second stage initialises itself. Defaults to
            ().
        resume (bool): The checkpoint resumes the run (only the message
            differs). Defaults to False.
        source (str): The checkpoint, as the error should name it. Defaults
            to 'the checkpoint'.
    """
    # after hooks that convert a checkpoint in after_load_checkpoint
    priority = 'LOWEST'

    def __init__(self,
                 may_differ: Sequence[str] = (),
                 resume: bool = False,
                 source: str = 'the checkpoint') -> None:
        if isinstance(may_differ, str) or not all(
                isinstance(p, str) and p for p in may_differ):
            raise TypeError('may_differ must be a list of state-dict key '
                            f'prefixes, got {may_differ!r}')
        self.may_differ = [p.rstrip('.') for p in may_differ]
        self.resume = resume
        self.source = source

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        state_dict = checkpoint.get('state_dict', checkpoint)
        # the runner's own key revision (revise_keys default)
        revised = OrderedDict(
            (re.sub(r'^module\.', '', k), v) for k, v in state_dict.items())
        metadata = getattr(state_dict, '_metadata', None)
        if metadata is not None:
            revised._metadata = metadata
        mismatch = load_state_dict_mismatch(model, revised)
        refused = mismatch.without(self.may_differ)
        if refused:
            if self.resume:
                hint = ('A resumed run continues the model in its checkpoint: '
                        'resume with the config that wrote it.')
            else:
                hint = ('Pass --partial-load to load only what fits and keep '
                        'the initialisation of the rest, or, for a second '
                        'stage whose model differs from its first stage by '
                        'design, list those keys in the config\'s '
                        'partial_load_keys.')
            raise CheckpointMismatchError(
                f'{self.source} does not fit the model:\n'
                f'{refused.describe()}\n{hint}')
        if mismatch:
            runner.logger.info(
                'keys the config initialises itself (partial_load_keys): ' +
                ', '.join(mismatch.keys()))
