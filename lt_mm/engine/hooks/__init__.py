"""Host-independent hooks."""
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .class_statistics_hook import ClassStatisticsHook
from .frozen_modules_hook import FrozenModulesHook
from .rng_state_hook import RNGStateHook
from .strict_load_hook import (CheckpointMismatchError, StrictLoadHook,
                               load_state_dict_mismatch)

__all__ = [
    'AtomicCheckpointHook', 'CheckpointMismatchError', 'ClassStatisticsHook',
    'FrozenModulesHook', 'RNGStateHook', 'StrictLoadHook',
    'load_state_dict_mismatch'
]
