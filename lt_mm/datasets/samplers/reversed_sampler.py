from typing import Optional

from lt_mm.registry import DATA_SAMPLERS
from .class_weighted_sampler import ClassWeightedSampler


@DATA_SAMPLERS.register_module()
class ReversedSampler(ClassWeightedSampler):
    """BBN's reversed sampler (Zhou et al., "BBN: Bilateral-Branch Network with
    Cumulative Learning for Long-Tailed Visual Recognition", CVPR 2020):
    class j is drawn with p_j = (1 / n_j) / sum_k (1 / n_k), then one of its
    samples uniformly; it feeds BBN's re-balancing branch.

    :class:`ClassWeightedSampler` with ``q = -1.0``.

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
        super().__init__(dataset, q=-1.0, num_samples=num_samples, seed=seed)
