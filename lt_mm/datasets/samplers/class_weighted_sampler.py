from typing import Optional

import numpy as np

from lt_mm.core.sampling import class_aware_sample, class_sampling_weights
from lt_mm.registry import DATA_SAMPLERS
from .resampling_sampler import ResamplingSampler


@DATA_SAMPLERS.register_module()
class ClassWeightedSampler(ResamplingSampler):
    """Class-aware sampling with ``p_j ~ n_j^q`` (Kang et al., "Decoupling
    Representation and Classifier for Long-Tailed Recognition", ICLR 2020).

    arXiv: https://arxiv.org/abs/1910.09217

    Each draw picks class ``j`` with probability
    ``p_j = n_j^q / sum_k n_k^q`` and then one of its samples uniformly, with
    replacement; for single-label data a sample ``i`` is drawn with
    probability proportional to ``n_{y_i}^(q - 1)``. ``n_j`` counts the
    samples (images) of class ``j`` in the dataset the sampler is given, after
    filtering; classes without samples are never drawn, samples without a
    label neither.

    - ``q = 1``: instance-balanced (every sample equally likely);
    - ``q = 1/2``: square-root, ``lt_mm.SquareRootSampler``;
    - ``q = 0``: class-balanced, ``lt_mm.ClassBalancedSampler``;
    - ``q = -1``: reversed (BBN, Zhou et al., CVPR 2020),
      ``lt_mm.ReversedSampler``.

    ``lt_mm.ProgressiveSampler`` moves from instance- to class-balanced over
    training. All draw from ``seed + epoch``, the same on every rank, and
    shard the epoch across ranks.

    Args:
        dataset (BaseDataset): The training dataset (mmpretrain
            ``gt_label`` or mmdet ``instances``; plain or in ConcatDataset /
            RepeatDataset).
        q (float): Exponent of the class sizes. Defaults to 1.
        num_samples (int, optional): Draws per epoch over all ranks.
            Defaults to ``len(dataset)``.
        seed (int, optional): Random seed, the same on every rank;
            synchronised across ranks when None. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 q: float = 1.0,
                 num_samples: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(dataset, seed)
        self.q = q
        self.class_counts = self.label_index.class_image_counts()
        if not self.class_counts.any():
            raise ValueError('the dataset has no labelled sample to draw')
        self.init_epoch_length(num_samples)

    def class_weights(self) -> np.ndarray:
        """Probability of drawing each class in the current epoch."""
        return class_sampling_weights(self.class_counts, self.q)

    def draw_epoch(self, rng: np.random.Generator) -> np.ndarray:
        return class_aware_sample(self.label_index, self.class_weights(),
                                  self.epoch_length, rng)
