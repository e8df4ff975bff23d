"""Host-independent MMEngine components: hooks, model wrappers, optimizer
constructors and samplers."""
from .class_statistics_hook import (ClassStatisticsHook,
                                    dataset_class_statistics)
from .cpu_distributed_data_parallel import CPUDistributedDataParallel
from .decoupled_optim_wrapper_constructor import \
    DecoupledOptimWrapperConstructor
from .frozen_modules_eval_hook import FrozenModulesEvalHook
from .samplers import (ClassAwareSampler, ClassBalancedSampler,
                       ClassWeightedSampler, ProgressiveSampler,
                       RepeatFactorSampler, ReversedSampler,
                       SquareRootSampler)

__all__ = [
    'CPUDistributedDataParallel', 'ClassAwareSampler',
    'ClassBalancedSampler', 'ClassStatisticsHook', 'ClassWeightedSampler',
    'DecoupledOptimWrapperConstructor', 'FrozenModulesEvalHook',
    'ProgressiveSampler',
    'RepeatFactorSampler', 'ReversedSampler', 'SquareRootSampler',
    'dataset_class_statistics'
]
