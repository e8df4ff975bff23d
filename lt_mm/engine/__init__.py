"""Host-independent MMEngine components: hooks, model wrappers, optimizer
constructors and samplers."""
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .class_statistics_hook import ClassStatisticsHook
from .class_statistics_metric import ClassStatisticsMetric
from .cpu_distributed_data_parallel import CPUDistributedDataParallel
from .decoupled_optim_wrapper_constructor import \
    DecoupledOptimWrapperConstructor
from .epoch_worker_seeding import EpochWorkerSeeding
from .frozen_modules_hook import FrozenModulesHook
from .rng_state_hook import RNGStateHook
from .samplers import (ClassAwareSampler, ClassBalancedSampler,
                       ClassWeightedSampler, ProgressiveSampler,
                       RepeatFactorSampler, ReversedSampler,
                       SquareRootSampler)
from .strict_load_hook import (CheckpointMismatchError, StrictLoadHook,
                               load_state_dict_mismatch)

__all__ = [
    'AtomicCheckpointHook', 'CPUDistributedDataParallel',
    'ClassAwareSampler', 'ClassBalancedSampler', 'ClassStatisticsHook',
    'ClassStatisticsMetric', 'ClassWeightedSampler',
    'DecoupledOptimWrapperConstructor', 'EpochWorkerSeeding',
    'FrozenModulesHook', 'ProgressiveSampler', 'RNGStateHook',
    'RepeatFactorSampler', 'ReversedSampler', 'SquareRootSampler',
    'CheckpointMismatchError', 'StrictLoadHook', 'load_state_dict_mismatch'
]
