from typing import List, Optional

import numpy as np

from lt_mm.registry import DATA_SAMPLERS
from .resampling_sampler import ResamplingSampler


def _cycle(items: np.ndarray, length: int,
           rng: np.random.Generator) -> np.ndarray:
    """``length`` items of an endless cycle over ``items`` that is shuffled
    anew at the start of every pass."""
    passes = -(-length // len(items))
    return np.concatenate([rng.permutation(items)
                           for _ in range(passes)])[:length]


@DATA_SAMPLERS.register_module()
class ClassAwareSampler(ResamplingSampler):
    """Round-robin class-aware sampling, the second-stage sampler of cRT and
    LWS (Kang et al., `Decoupling Representation and Classifier for
    Long-Tailed Recognition <https://arxiv.org/abs/1910.09217>`_, ICLR 2020)
    and of MiSLAS (Zhong et al., CVPR 2021).

    arXiv: https://arxiv.org/abs/1910.09217

    The epoch is a sequence of chunks of ``num_samples_cls`` samples of one
    class. The chunks' classes run through the classes in a random order,
    reshuffled after every full pass, so every class gets one chunk per
    pass; each class hands out its samples from its own cycle over them,
    also reshuffled after every pass. Over an epoch every class is drawn
    equally often (up to one chunk), and a class's samples are drawn
    equally often (up to one). This is the structure of
    classifier-balancing's ``ClassAwareSampler`` (data/ClassAwareSampler.py
    L24-L82, ``num_samples_cls: 4`` in config/ImageNet_LT/cls_crt.yaml)
    and of mmdet's ``ClassAwareSampler``; :class:`ClassBalancedSampler`
    instead draws every class independently.

    Differences from the authors' sampler, for resumable and DDP training:
    the cycles restart each epoch from ``seed + epoch`` (theirs carry their
    positions across epochs and use Python's global ``random``); the epoch
    has ``num_samples`` draws, ``len(dataset)`` by default, the authors'
    epoch too (their loop stops after ``len(dataset) // batch_size``
    steps, run_networks.py L61-L63 and L265-L266, although the sampler's
    length is ``max_j n_j * C``); classes without samples are skipped
    (theirs assume every label in ``0..C-1`` occurs). A multi-label or
    detection sample belongs to the cycle of every class it contains.

    Args:
        dataset (BaseDataset): The training dataset (mmpretrain
            ``gt_label`` or mmdet ``instances``; plain or in ConcatDataset /
            RepeatDataset).
        num_samples_cls (int): Consecutive samples drawn from one class.
            Defaults to 4, the authors' setting.
        num_samples (int, optional): Draws per epoch over all ranks.
            Defaults to ``len(dataset)``.
        seed (int, optional): Random seed, the same on every rank;
            synchronised across ranks when None. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 num_samples_cls: int = 4,
                 num_samples: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        super().__init__(dataset, seed)
        if int(num_samples_cls) != num_samples_cls or num_samples_cls < 1:
            raise ValueError('num_samples_cls must be a positive integer, '
                             f'got {num_samples_cls}')
        self.num_samples_cls = int(num_samples_cls)
        # the samples of each class, in dataset order
        class_samples = self.label_index.class_images()
        self.classes = np.array(
            [c for c, samples in enumerate(class_samples) if len(samples)],
            dtype=np.int64)
        if len(self.classes) == 0:
            raise ValueError('the dataset has no labelled sample to draw')
        self.class_samples: List[np.ndarray] = [
            class_samples[c] for c in self.classes]
        self.init_epoch_length(num_samples)

    def draw_epoch(self, rng: np.random.Generator) -> np.ndarray:
        k = self.num_samples_cls
        num_chunks = -(-self.epoch_length // k)
        chunk_class = _cycle(np.arange(len(self.classes)), num_chunks, rng)
        chunks = np.empty((num_chunks, k), dtype=np.int64)
        for c, samples in enumerate(self.class_samples):
            rows = np.flatnonzero(chunk_class == c)
            if len(rows):
                chunks[rows] = _cycle(samples, len(rows) * k,
                                      rng).reshape(-1, k)
        return chunks.reshape(-1)[:self.epoch_length]
