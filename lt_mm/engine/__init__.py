"""Host-independent MMEngine components: hooks and model wrappers."""
from .class_statistics_hook import (ClassStatisticsHook,
                                    dataset_class_statistics)
from .cpu_distributed_data_parallel import CPUDistributedDataParallel

__all__ = [
    'ClassStatisticsHook', 'CPUDistributedDataParallel',
    'dataset_class_statistics'
]
