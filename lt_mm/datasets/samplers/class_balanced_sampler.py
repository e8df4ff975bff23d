from typing import Optional

from lt_mm.registry import DATA_SAMPLERS
from .class_weighted_sampler import ClassWeightedSampler


@DATA_SAMPLERS.register_module()
class ClassBalancedSampler(ClassWeightedSampler):
    """Each class is drawn equally often (p_j = 1 / C over the classes with
    samples), then one of its samples uniformly: the sampling of cRT and
    LWS classifier re-training in Kang et al., ICLR 2020.

    arXiv: https://arxiv.org/abs/1910.09217

    :class:`ClassWeightedSampler` with ``q = 0.0``.

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
        super().__init__(dataset, q=0.0, num_samples=num_samples, seed=seed)
