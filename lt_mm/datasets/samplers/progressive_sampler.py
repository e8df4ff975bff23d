from typing import Optional

import numpy as np

from lt_mm.core.sampling import progressive_class_weights
from lt_mm.registry import DATA_SAMPLERS
from .class_weighted_sampler import ClassWeightedSampler


@DATA_SAMPLERS.register_module()
class ProgressiveSampler(ClassWeightedSampler):
    """Progressively-balanced sampling (Kang et al., "Decoupling
    Representation and Classifier for Long-Tailed Recognition", ICLR 2020).

    arXiv: https://arxiv.org/abs/1910.09217

    In epoch ``t`` (0-based, set by MMEngine's ``set_epoch``) of ``T``::

        p_j(t) = (1 - t / T) * p_j^IB + (t / T) * p_j^CB

    with ``p^IB ~ n_j`` (instance-balanced) and ``p^CB = 1 / C``
    (class-balanced), then one sample of the drawn class uniformly.

    Args:
        dataset (BaseDataset): The training dataset.
        max_epochs (int): ``T``, the number of training epochs
            (``train_cfg.max_epochs``).
        num_samples (int, optional): Draws per epoch over all ranks.
            Defaults to ``len(dataset)``.
        seed (int, optional): Random seed, the same on every rank;
            synchronised across ranks when None. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 max_epochs: int,
                 num_samples: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        if max_epochs <= 0:
            raise ValueError(f'max_epochs must be positive, got {max_epochs}')
        super().__init__(dataset, q=1.0, num_samples=num_samples, seed=seed)
        self.max_epochs = max_epochs

    def class_weights(self) -> np.ndarray:
        # Epochs past T (e.g. a longer resumed run) stay class-balanced.
        return progressive_class_weights(self.class_counts,
                                         min(self.epoch, self.max_epochs),
                                         self.max_epochs)
