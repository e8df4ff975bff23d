"""Host-independent MMEngine components: hooks, optimizer constructors, the
CPU DDP wrapper, epoch-seeded data-loader workers and the runner building
that the tools share."""
from .class_statistics_metric import ClassStatisticsMetric
from .cpu_distributed_data_parallel import CPUDistributedDataParallel
from .epoch_worker_seeding import EpochWorkerSeeding
from .hooks import (AtomicCheckpointHook, CheckpointMismatchError,
                    ClassStatisticsHook, FrozenModulesHook, RNGStateHook,
                    StrictLoadHook, load_state_dict_mismatch)
from .optimizers import DecoupledOptimWrapperConstructor

__all__ = [
    'AtomicCheckpointHook', 'CPUDistributedDataParallel',
    'CheckpointMismatchError', 'ClassStatisticsHook', 'ClassStatisticsMetric',
    'DecoupledOptimWrapperConstructor', 'EpochWorkerSeeding',
    'FrozenModulesHook', 'RNGStateHook', 'StrictLoadHook',
    'load_state_dict_mismatch'
]
