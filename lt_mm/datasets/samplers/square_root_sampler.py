from typing import Optional

from lt_mm.registry import DATA_SAMPLERS
from .class_weighted_sampler import ClassWeightedSampler


@DATA_SAMPLERS.register_module()
class SquareRootSampler(ClassWeightedSampler):
    """Class j is drawn with p_j ~ sqrt(n_j), then one of its samples
    uniformly (Mahajan et al., ECCV 2018; Kang et al., ICLR 2020).

    :class:`ClassWeightedSampler` with ``q = 0.5``.

    Args:
        dataset (BaseDataset): The training dataset.
        num_samples (int, optional): Draws per epoch over all ranks.
            Defaults to ``len(dataset)``.
        seed (int, optional): Random seed, the same on every rank;
            synchronised across ranks when None. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 num_samples: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(dataset, q=0.5, num_samples=num_samples, seed=seed)
