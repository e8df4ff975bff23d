"""Federated Loss (Zhou, Koltun and Krähenbühl, "Probabilistic two-stage
detection", arXiv 2103.07461, 2021; the box classification loss of
CenterNet2 and Detic on LVIS).

LVIS is a federated dataset: a class is annotated exhaustively only in the
images where it was verified, so a class missing from an image's annotations
is not a confident negative there. Each step therefore trains a subset S of
the classes with a sigmoid BCE over the C class logits (no background logit:
a background RoI has an all-zero target):

    L = 1/B * sum_i sum_{j in S} BCE(z_ij, [y_i = j]),

B the number of RoIs. S starts with every label among the step's RoIs,
background (index C) included, and is filled up to ``num_sample_cats``
indices with classes drawn without replacement, each next one with
probability proportional to w_j = image_count_j ** freq_weight among the
classes not yet in S. The background index counts: with background RoIs in
the batch, 49 foreground classes are trained at the authors' 50. A class
outside S gets no gradient in that step.

Authors' code (xingyizhou/CenterNet2 at bfc8b72,
centernet/modeling/roi_heads/; Detic's detic/modeling/utils.py L16-L28 and
roi_heads/detic_fast_rcnn.py L197-L229 are the same):

- ``fed_loss.py`` L6-L13: w = image_count ** 0.5 (``FED_LOSS_FREQ_WEIGHT``,
  centernet/config.py L54), image counts of the LVIS training annotations.
- ``fed_loss.py`` L15-L31: the labels present, background index C included
  (L18, counted by L21 and L28); a draw over C + 1 indices with background
  and present classes at probability 0 (L19-L20, L24), of
  ``num_sample_cats - len(present)`` classes (50, config.py L53), only when
  fewer than 50 are present, by ``torch.multinomial(replacement=False)``
  (L27-L29).
- ``custom_fast_rcnn.py`` L101-L105: the 0/1 class mask, background dropped;
  L107-L109: BCE over the C class logits (the head's (C + 1)-th logit is
  never trained), ``sum / B``; L84-L85: zero for an empty batch.

The draw here is ``torch.multinomial``'s own algorithm (for sampling without
replacement, PyTorch takes the largest ``w_j / q_j``, q_j ~ Exp(1) drawn for
every index: Efraimidis and Spirakis's weighted reservoir sampling), so from
the same generator state it picks the authors' classes. It ranks instead of
calling ``topk``, so the number drawn never leaves the device (no host sync
on CUDA), and when fewer candidates than places remain it takes them all
where ``torch.multinomial`` raises.
"""
from typing import Optional

import torch
import torch.distributed as dist
from torch import Tensor

from ..distributed import is_distributed
from .softplus import reduce_softplus


def present_classes(labels: Tensor, num_classes: int) -> Tensor:
    """The indices present among the RoI labels, background included.

    Args:
        labels (Tensor): (N, ) RoI labels in [0, C]; C is background.
        num_classes (int): Foreground classes C.

    Returns:
        Tensor: (C + 1, ) bool, True at every label of ``labels``.
    """
    present = torch.zeros(num_classes + 1, dtype=torch.bool,
                          device=labels.device)
    return present.index_fill_(0, labels, True)


def sampling_keys(num_classes: int,
                  device: torch.device,
                  generator: Optional[torch.Generator] = None) -> Tensor:
    """The Exp(1) variables q of one draw, one per index (background
    included), drawn as ``torch.multinomial`` draws them.

    Args:
        num_classes (int): Foreground classes C.
        device (torch.device): Where the keys are used.
        generator (torch.Generator, optional): Draws the keys, on its own
            device. Defaults to None (torch's default generator of
            ``device``).

    Returns:
        Tensor: (C + 1, ) float32 keys on ``device``.
    """
    where = device if generator is None else generator.device
    keys = torch.empty(num_classes + 1, device=where).exponential_(
        generator=generator)
    return keys.to(device)


def select_federated_classes(present: Tensor, class_weights: Tensor,
                             keys: Tensor, num_sample_cats: int) -> Tensor:
    """The classes a step trains: the present ones and the drawn negatives.

    Args:
        present (Tensor): (C + 1, ) bool from :func:`present_classes`; the
            background index C counts toward ``num_sample_cats``.
        class_weights (Tensor): (C, ) non-negative sampling weights,
            ``image_count ** freq_weight``; a class of weight 0 is never
            drawn.
        keys (Tensor): (C + 1, ) Exp(1) keys from :func:`sampling_keys`.
        num_sample_cats (int): Indices trained per step, background
            included, unless more are present.

    Returns:
        Tensor: (C, ) bool, True for the trained classes.
    """
    num_classes = len(class_weights)
    if present.shape != (num_classes + 1, ) or keys.shape != present.shape:
        raise ValueError(
            f'expected present and keys of shape ({num_classes + 1}, ) for '
            f'{num_classes} class weights, got {tuple(present.shape)} and '
            f'{tuple(keys.shape)}')
    weights = torch.cat([class_weights.float(),
                         class_weights.new_zeros(1, dtype=torch.float32)])
    candidate = (weights > 0) & ~present
    # multinomial keeps the largest w / q; ranking them keeps the count on
    # the device. Non-candidates rank last (a 0 / 0 would be NaN, first).
    score = (weights / keys).masked_fill_(~candidate, -1.0)
    order = score.argsort(descending=True)
    quota = num_sample_cats - present.sum()
    first = torch.arange(len(order), device=order.device) < quota
    drawn = torch.zeros_like(present).scatter_(0, order, first)
    return (present | (drawn & candidate))[:num_classes]


def federated_classes(labels: Tensor,
                      class_weights: Tensor,
                      num_sample_cats: int = 50,
                      generator: Optional[torch.Generator] = None,
                      sync_ranks: bool = False) -> Tensor:
    """The class set S of one step of the Federated Loss.

    Without ``sync_ranks`` each process draws on its own RoIs, as the
    authors' code does (every GPU calls ``get_fed_loss_inds`` on its own
    proposals: CenterNet2, custom_fast_rcnn.py L96-L100). With
    ``sync_ranks`` and a process group, one all-reduce gives every rank the
    union of the present classes and rank 0's keys, so all ranks train the
    same S, the one a single process draws on the whole global batch from
    rank 0's random state.

    Args:
        labels (Tensor): (N, ) RoI labels in [0, C]; C is background.
        class_weights (Tensor): (C, ) sampling weights,
            ``image_count ** freq_weight``.
        num_sample_cats (int): Indices trained per step, background
            included. Defaults to 50.
        generator (torch.Generator, optional): Draws the negatives.
            Defaults to None (torch's default generator of the labels'
            device).
        sync_ranks (bool): One S for all ranks. Defaults to False.

    Returns:
        Tensor: (C, ) bool, True for the trained classes.
    """
    if not isinstance(num_sample_cats, int) or num_sample_cats < 1:
        raise ValueError('num_sample_cats must be a positive integer, got '
                         f'{num_sample_cats}')
    num_classes = len(class_weights)
    present = present_classes(labels, num_classes)
    # drawn on every rank, used from rank 0 only: each rank's random
    # stream advances the same way whether or not it syncs
    keys = sampling_keys(num_classes, labels.device, generator)
    if sync_ranks and is_distributed():
        rank0 = dist.get_rank() == 0
        packed = torch.cat([
            present.float(),
            keys if rank0 else torch.full_like(keys, -float('inf'))
        ])
        dist.all_reduce(packed, op=dist.ReduceOp.MAX)
        present, keys = packed[:num_classes + 1] > 0, packed[num_classes +
                                                               1:]
    return select_federated_classes(present, class_weights, keys,
                                    num_sample_cats)


class _FederatedBCE(torch.autograd.Function):
    """Rows of :func:`federated_bce`; the gradient ``m_j (sigmoid(z) - t)``
    is written into one (N, C) tensor plus a scatter into the target column,
    not built by autograd through the product and the gather."""

    @staticmethod
    def forward(ctx, logits, labels, mask):
        num_classes = logits.size(1)
        prob = torch.sigmoid(logits)
        total = reduce_softplus(logits, prob, lambda x: x @ mask)
        foreground = labels < num_classes
        index = labels.clamp(max=num_classes - 1)[:, None]
        # target term m_y z_y, zero for background RoIs
        own = logits.gather(1, index)[:, 0] * mask[index[:, 0]] * foreground
        ctx.save_for_backward(prob, foreground, index, mask)
        return total - own

    @staticmethod
    def backward(ctx, grad_loss):
        prob, foreground, index, mask = ctx.saved_tensors
        grad = prob * mask
        own = (mask[index[:, 0]] * foreground)[:, None].to(grad)
        grad.scatter_add_(1, index, -own)
        return grad.mul_(grad_loss[:, None]), None, None


def federated_bce(logits: Tensor, labels: Tensor, trained: Tensor) -> Tensor:
    """Per-RoI ``sum_{j in S} BCE(z_j, [y = j])`` of the Federated Loss.

    With BCE(z, t) = softplus(z) - t z, a RoI sums softplus over the trained
    classes, minus its own logit when its class is trained (a background RoI
    has no target-1 logit). Untrained classes get an exactly zero gradient.

    Args:
        logits (Tensor): (N, C) class logits.
        labels (Tensor): (N, ) labels in [0, C]; C is background.
        trained (Tensor): (C, ) bool, the class set S from
            :func:`federated_classes`.

    Returns:
        Tensor: (N, ) losses.
    """
    if trained.shape != (logits.size(1), ):
        raise ValueError(f'trained must have shape ({logits.size(1)}, ), got '
                         f'{tuple(trained.shape)}')
    return _FederatedBCE.apply(logits, labels, trained.to(logits.dtype))
