"""Re-sampling samplers for ``train_dataloader.sampler``, shared by mmdet and
mmpretrain: repeat factor sampling and class-aware sampling."""
from .class_aware_sampler import ClassAwareSampler
from .class_balanced_sampler import ClassBalancedSampler
from .class_weighted_sampler import ClassWeightedSampler
from .paired_sampler import PairedSampler
from .progressive_sampler import ProgressiveSampler
from .repeat_factor_sampler import RepeatFactorSampler
from .resampling_sampler import ResamplingSampler
from .reversed_sampler import ReversedSampler
from .square_root_sampler import SquareRootSampler

__all__ = [
    'ClassAwareSampler', 'ClassBalancedSampler', 'ClassWeightedSampler',
    'ProgressiveSampler', 'RepeatFactorSampler', 'ResamplingSampler',
    'ReversedSampler', 'SquareRootSampler'
]
