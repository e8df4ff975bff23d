"""Memory-augmented feature sampling of LOCE (Feng et al., "Exploring
Classification Equilibrium in Long-Tailed Object Detection", ICCV 2021).

Each class keeps a first-in-first-out queue of RoI features and their
regression targets, filled from boxes jittered around its ground-truth boxes.
Every training step draws classes with probability proportional to 1 / m_c
(m_c: the class's mean classification score, see
:mod:`lt_mm.core.losses.equilibrium`), so poorly classified (tail) classes get
extra positive samples, and a few features of each drawn class are appended to
the RoI batch.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn

from .finite_statistics import FiniteStatisticsGuard


def inverse_score_probabilities(mean_score: torch.Tensor,
                                eps: float = 1e-7) -> torch.Tensor:
    """Class sampling probabilities ``(1 / (m_c + eps)) / sum_k (1 / (m_k +
    eps))`` over the given (foreground) mean scores."""
    if mean_score.dim() != 1 or mean_score.numel() == 0:
        raise ValueError('mean_score must be a non-empty 1-D tensor, got '
                         f'shape {tuple(mean_score.shape)}')
    inverse = 1.0 / (mean_score.double() + eps)
    return inverse / inverse.sum()


def jittered_boxes(boxes: torch.Tensor,
                   img_shape: Sequence[int],
                   max_offset: float = 1 / 6,
                   generator: Optional[torch.Generator] = None
                   ) -> torch.Tensor:
    """16 boxes around each box: every corner coordinate moves by a uniform
    fraction in ``[0, max_offset]`` of the box's width (x) or height (y), in
    each of the 2^4 combinations of directions, clipped to the image.

    Args:
        boxes (Tensor): (N, 4) boxes ``x1, y1, x2, y2``.
        img_shape (tuple): ``(height, width)`` of the image.

    Returns:
        Tensor: (N, 16, 4) jittered boxes.
    """
    if boxes.dim() != 2 or boxes.size(-1) != 4:
        raise ValueError(f'boxes must be (N, 4), got {tuple(boxes.shape)}')
    # all 16 sign patterns of (x1, y1, x2, y2)
    bits = torch.arange(16, device=boxes.device)[:, None] >> torch.arange(
        3, -1, -1, device=boxes.device)
    signs = (bits & 1).to(boxes.dtype) * 2 - 1
    magnitude = torch.rand((len(boxes), 16, 4), generator=generator,
                           dtype=boxes.dtype).to(boxes.device) * max_offset
    wh = (boxes[:, 2:] - boxes[:, :2]).repeat(1, 2)
    jittered = boxes[:, None] + signs * magnitude * wh[:, None]
    height, width = img_shape[:2]
    limit = boxes.new_tensor([width - 1, height - 1] * 2)
    return torch.minimum(jittered.clamp(min=0), limit)


class ClassFeatureMemory(nn.Module):
    """Per-class FIFO queues of features and regression targets.

    ``features`` (C, Q, *feature_shape) is allocated at the first
    :meth:`push`, on the features' device and dtype, so a model that never
    trains holds no memory. The queues are buffers: they follow the module's
    device. They are not saved in checkpoints unless ``persistent`` (on LVIS
    they take 1203 x 80 x 256 x 7 x 7 floats, 4.8 GB), because they hold
    detached features of an earlier model; a resumed run refills them.
    A sample whose feature or target holds a NaN or inf is not stored (it
    would return at every draw); ``statistics_guard`` counts it, saved
    with the queues, and the first is reported once
    (:mod:`lt_mm.core.finite_statistics`).

    Args:
        num_classes (int): Number of classes C.
        queue_size (int): Features kept per class Q. Defaults to 80.
        persistent (bool): Save the queues in the state dict.
    """

    def __init__(self,
                 num_classes: int,
                 queue_size: int = 80,
                 persistent: bool = False) -> None:
        super().__init__()
        if num_classes < 1 or queue_size < 1:
            raise ValueError('num_classes and queue_size must be positive, '
                             f'got {num_classes} and {queue_size}')
        self.num_classes = num_classes
        self.queue_size = queue_size
        self.register_buffer('features', torch.zeros(0), persistent)
        self.register_buffer('targets', torch.zeros(0), persistent)
        # valid entries per class, and the slot the next push writes
        self.register_buffer('lengths',
                             torch.zeros(num_classes, dtype=torch.long),
                             persistent)
        self.register_buffer('heads',
                             torch.zeros(num_classes, dtype=torch.long),
                             persistent)
        self.statistics_guard = FiniteStatisticsGuard(
            'LOCE feature memory (features, targets)', persistent)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the saved queues have their allocated shape, not the empty one
        for name in ('features', 'targets'):
            if prefix + name in state_dict and name in self._buffers and \
                    name not in self._non_persistent_buffers_set:
                saved = state_dict[prefix + name]
                self._buffers[name] = self._buffers[name].new_empty(
                    saved.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def is_empty(self) -> bool:
        return not bool(self.lengths.any())

    @torch.no_grad()
    def push(self, features: torch.Tensor, labels: torch.Tensor,
             targets: torch.Tensor) -> None:
        """Append samples to their classes' queues, oldest out first.

        Of more than Q new samples of one class, the first Q are kept (as in
        the authors' code).
        """
        if not len(features) == len(labels) == len(targets):
            raise ValueError('features, labels and targets must have one '
                             f'length, got {len(features)}, {len(labels)}, '
                             f'{len(targets)}')
        if len(labels) == 0:
            return
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f'labels must lie in [0, {self.num_classes})')
        keep = self.statistics_guard.finite_rows(features, targets)
        self.statistics_guard.record(reduce=False)  # each rank its own
        if not keep.all():
            features, labels, targets = (features[keep], labels[keep],
                                         targets[keep])
            if len(labels) == 0:
                return
        if self.features.dim() == 1:
            self.features = features.new_zeros(
                (self.num_classes, self.queue_size, *features.shape[1:]))
            self.targets = targets.new_zeros(
                (self.num_classes, self.queue_size, *targets.shape[1:]))
        elif self.features.shape[2:] != features.shape[1:] or \
                self.targets.shape[2:] != targets.shape[1:]:
            raise ValueError(
                f'features {tuple(features.shape[1:])} and targets '
                f'{tuple(targets.shape[1:])} do not match the memory\'s '
                f'{tuple(self.features.shape[2:])} and '
                f'{tuple(self.targets.shape[2:])}')
        features = features.detach().to(self.features)
        targets = targets.detach().to(self.targets)
        for label in labels.unique().tolist():
            index = (labels == label).nonzero()[:self.queue_size, 0]
            head = int(self.heads[label])
            slots = (head + torch.arange(
                len(index), device=self.heads.device)) % self.queue_size
            self.features[label, slots] = features[index]
            self.targets[label, slots] = targets[index]
            self.heads[label] = (head + len(index)) % self.queue_size
            self.lengths[label] = min(self.queue_size,
                                      int(self.lengths[label]) + len(index))

    @torch.no_grad()
    def sample(self,
               mean_score: torch.Tensor,
               num_classes: int = 8,
               num_per_class: int = 4,
               generator: Optional[torch.Generator] = None
               ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Draw ``num_classes`` classes with replacement, with probability
        proportional to ``1 / m_c``, and ``num_per_class`` stored samples of
        each uniformly with replacement. Draws of classes whose queue is empty
        yield nothing.

        Args:
            mean_score (Tensor): (C,) foreground mean scores (a longer tensor,
                with background entries, is cut to C).

        Returns:
            tuple[Tensor, Tensor, Tensor]: features (M, ...), labels (M,),
            targets (M, ...), M <= num_classes * num_per_class.
        """
        device = self.lengths.device
        probs = inverse_score_probabilities(mean_score[:self.num_classes])
        classes = torch.multinomial(
            probs.cpu(), num_classes, replacement=True,
            generator=generator).to(device)
        classes = classes[self.lengths[classes] > 0]
        if len(classes) == 0 or self.features.dim() == 1:
            return (self.features.new_zeros((0, *self.features.shape[2:])),
                    torch.zeros(0, dtype=torch.long, device=device),
                    self.targets.new_zeros((0, *self.targets.shape[2:])))
        labels = classes.repeat_interleave(num_per_class)
        slots = (torch.rand(len(labels), generator=generator).to(device) *
                 self.lengths[labels]).long()
        return self.features[labels, slots], labels, self.targets[labels,
                                                                  slots]
