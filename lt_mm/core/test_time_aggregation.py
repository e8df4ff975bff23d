"""SADE's test-time self-supervised aggregation of experts (Zhang et al.,
"Self-Supervised Aggregation of Diverse Experts for Test-Agnostic
Long-Tailed Recognition", NeurIPS 2022, Sec. 4.2).

The trained experts are frozen; only their aggregation weights are learned,
on the unlabelled test images. With raw weights w (one per expert, all
1/3 at the start, so the softmax weights start equal) and expert logits z_k,
the ensemble predicts from

    z = sum_k softmax(w)_k * z_k.

Each test image x is augmented twice (x', x''); the objective maximises the
stability of the ensemble's prediction between the two views,

    L(w) = - mean_i cos(softmax(z(x'_i)), softmax(z(x''_i))),

by SGD on w (the authors' optimizer of each dataset: CIFAR-100-LT lr 0.1,
momentum 0.9, Nesterov, weight decay 5e-4), batch after batch over the
test set, at most 5 passes. After each pass the softmax weights are
rounded to two decimals, and learning stops once one of them is below 0.05
(Vanint/SADE-AgnosticLT, test_training_cifar.py L312-L320, L354-L386;
the same in test_training_{imagenet,places,inat}.py).
"""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def stack_expert_logits(expert_logits) -> Tensor:
    """(E, N, C) logits from a sequence of E (N, C) tensors (or an (E, N, C)
    tensor)."""
    if isinstance(expert_logits, Tensor):
        logits = expert_logits
    else:
        logits = torch.stack(list(expert_logits))
    if logits.dim() != 3:
        raise ValueError('expert logits must be E (N, C) tensors, got shape '
                         f'{tuple(logits.shape)}')
    return logits


def aggregate_expert_logits(expert_logits, weights: Tensor) -> Tensor:
    """The ensemble's logits ``sum_k softmax(w)_k * z_k``.

    Args:
        expert_logits (Sequence[Tensor] | Tensor): E (N, C) expert logits.
        weights (Tensor): (E, ) raw aggregation weights w.

    Returns:
        Tensor: (N, C) aggregated logits.
    """
    logits = stack_expert_logits(expert_logits)
    if weights.shape != (len(logits), ):
        raise ValueError(f'{len(logits)} experts need {len(logits)} '
                         f'aggregation weights, got shape '
                         f'{tuple(weights.shape)}')
    mix = torch.softmax(weights.to(logits), dim=0)
    return (mix[:, None, None] * logits).sum(0)


def prediction_stability_loss(view1_logits, view2_logits, weights: Tensor,
                              eps: float = 1e-6) -> Tensor:
    """SADE's self-supervised objective on a batch of two-view test images:
    ``-mean_i cos(softmax(z(x'_i)), softmax(z(x''_i)))``.

    Args:
        view1_logits (Sequence[Tensor] | Tensor): E (N, C) expert logits of
            the first views.
        view2_logits (Sequence[Tensor] | Tensor): E (N, C) expert logits of
            the second views.
        weights (Tensor): (E, ) raw aggregation weights w.
        eps (float): Lower bound of the product of the norms in the cosine
            (``torch.nn.CosineSimilarity``'s eps, as the authors). Defaults
            to 1e-6.

    Returns:
        Tensor: The scalar loss (minus the mean cosine similarity).
    """
    p1 = torch.softmax(aggregate_expert_logits(view1_logits, weights), dim=1)
    p2 = torch.softmax(aggregate_expert_logits(view2_logits, weights), dim=1)
    return -F.cosine_similarity(p1, p2, dim=1, eps=eps).mean()


def aggregation_stops(weights: Tensor, threshold: float = 0.05,
                      decimals: int = 2) -> bool:
    """The authors' stopping rule, checked after each pass: a softmax
    weight, rounded to ``decimals`` (half to even, as ``np.round``), below
    ``threshold``.

    Args:
        weights (Tensor): (E, ) raw aggregation weights w.
        threshold (float): Defaults to 0.05.
        decimals (int): Defaults to 2.

    Returns:
        bool: Whether learning stops.
    """
    mix = torch.softmax(weights.detach().double(), dim=0)
    rounded = torch.round(mix, decimals=decimals)
    return bool((rounded < threshold).any())


def learn_aggregation_weights(batches, weights: Tensor,
                              optimizer: torch.optim.Optimizer,
                              max_epochs: int = 5,
                              all_reduce=None) -> Sequence[float]:
    """Learns ``weights`` in place over at most ``max_epochs`` passes.

    Args:
        batches (Callable[[], Iterable]): Called once per pass; yields
            ``(view1_logits, view2_logits)`` pairs of E (N, C) expert logits
            (no gradient needed: only w is learned).
        weights (Tensor): (E, ) raw weights w, a leaf that requires grad.
        optimizer (torch.optim.Optimizer): The optimizer over ``[weights]``.
        max_epochs (int): Passes at most. Defaults to 5.
        all_reduce (Callable[[Tensor], Tensor], optional): Averages a
            gradient over ranks (distributed testing, where each rank sees
            its shard of a batch). Defaults to None.

    Returns:
        list[float]: The rounded softmax weights after each pass.
    """
    history = []
    for _ in range(max_epochs):
        for view1, view2 in batches():
            loss = prediction_stability_loss(view1, view2, weights)
            optimizer.zero_grad()
            loss.backward()
            if all_reduce is not None:
                all_reduce(weights.grad)
            optimizer.step()
        mix = torch.softmax(weights.detach().double(), dim=0)
        history.append(torch.round(mix, decimals=2).tolist())
        if aggregation_stops(weights):
            break
    return history
