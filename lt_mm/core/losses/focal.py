"""Focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV
2017) in the two forms long-tailed classification uses.

Softmax form (the long-tailed papers' "Focal"), for label y and p = softmax(z):

    L = w_y * (1 - p_y)^gamma * (-log p_y).

Sigmoid form (class-balanced focal, Cui et al. CVPR 2019), sigma = sigmoid(z):

    L = w_y * sum_k (1 - p_k)^gamma * BCE(z_k, [k = y]),
    p_k = sigma_k if k = y else 1 - sigma_k.

Both sigmoid forms rest on the focal loss of one binary label,
:func:`binary_focal_loss`: with the margin m = z for a positive label and
m = -z for a negative one, q = sigmoid(m) is the probability of the label and

    l(m) = (1 - q)^gamma * (-log q),
    dl/dm = -(1 - q)^gamma * ((1 - q) + gamma * q * (-log q)),

computed as ``softplus(-m) * exp(-gamma * softplus(m))``, finite for every m.
gamma may differ per class (Equalized Focal Loss,
:mod:`lt_mm.core.losses.equalized_focal`).

gamma = 0 turns either into the (weighted) softmax / sigmoid cross-entropy.
With a soft target both are the expectation over labels (see
:mod:`lt_mm.core.losses.soft_target`).
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from .soft_target import expected_class_loss


def _check_gamma(gamma: Union[float, Tensor]) -> None:
    # a tensor of per-class gammas is the caller's to check: reading it
    # here would wait for the device
    if not isinstance(gamma, Tensor) and gamma < 0:
        raise ValueError(f'gamma must be non-negative, got {gamma}')


def binary_focal_loss(margin: Tensor, gamma: Union[float, Tensor]) -> Tensor:
    """Focal loss of one binary label, element-wise: ``(1 - q)^gamma *
    (-log q)`` with ``q = sigmoid(margin)``.

    Args:
        margin (Tensor): z for a positive label, -z for a negative one.
        gamma (float | Tensor): Focusing parameter, >= 0; a tensor
            broadcasts against ``margin`` (one gamma per class).

    Returns:
        Tensor: The losses, shaped like ``margin``.
    """
    _check_gamma(gamma)
    # -log q = softplus(-m), (1 - q)^gamma = exp(-gamma softplus(m))
    loss = F.softplus(-margin)
    if isinstance(gamma, Tensor) or gamma > 0:
        loss = loss * (-gamma * F.softplus(margin)).exp()
    return loss


def binary_focal_loss_and_grad(
        margin: Tensor, gamma: Union[float, Tensor]) -> Tuple[Tensor, Tensor]:
    """:func:`binary_focal_loss` and its derivative with respect to the
    margin, ``-(1 - q)^gamma * ((1 - q) + gamma * q * (-log q))``, computed
    together.

    Args:
        margin (Tensor): z for a positive label, -z for a negative one.
        gamma (float | Tensor): Focusing parameter, >= 0; a tensor
            broadcasts against ``margin``.

    Returns:
        tuple[Tensor]: The losses and their derivatives, shaped like
        ``margin``.
    """
    _check_gamma(gamma)
    nll = F.softplus(-margin)  # -log q
    log_not_q = F.softplus(margin).neg_()  # log(1 - q)
    modulator = (log_not_q * gamma).exp_()  # (1 - q)^gamma
    # (1 - q) + gamma q (-log q), with 1 - q from its log: exact also where
    # q rounds to 1
    grad = torch.sigmoid(margin).mul_(nll).mul_(gamma).add_(log_not_q.exp_())
    grad.mul_(modulator).neg_()
    return nll.mul_(modulator), grad


def softmax_focal_loss(logits: Tensor,
                       target: Tensor,
                       gamma: float = 1.0,
                       class_weights: Optional[Tensor] = None) -> Tensor:
    """Softmax focal loss of each sample.

    Args:
        logits (Tensor): (N, C).
        target (Tensor): (N, C) soft (or one-hot) target.
        gamma (float): Focusing parameter. Defaults to 1.
        class_weights (Tensor, optional): (C, ) weight of each label.

    Returns:
        Tensor: (N, ) losses.
    """
    _check_gamma(gamma)
    log_p = F.log_softmax(logits, dim=1)
    class_losses = -log_p
    if gamma > 0:
        # p rounds to 1 for a confident sample: the clamp keeps the power's
        # gradient finite there (where the factor is 0 anyway).
        one_minus_p = (1 - log_p.exp()).clamp(min=torch.finfo(
            log_p.dtype).tiny)
        class_losses = class_losses * one_minus_p.pow(gamma)
    return expected_class_loss(class_losses, target, class_weights)


def sigmoid_focal_loss(logits: Tensor,
                       target: Tensor,
                       gamma: float = 1.0,
                       class_weights: Optional[Tensor] = None) -> Tensor:
    """Sigmoid focal loss of each sample, summed over the C channels.

    For a soft target t and label weights w, the expectation over labels is
    ``sum_k [t_k w_k pos_k + (W - t_k w_k) neg_k]`` with ``W = sum_j t_j w_j``,
    ``pos_k = (1 - sigma_k)^gamma (-log sigma_k)`` and
    ``neg_k = sigma_k^gamma (-log(1 - sigma_k))``.

    Args:
        logits (Tensor): (N, C).
        target (Tensor): (N, C) soft (or one-hot) target t.
        gamma (float): Focusing parameter. Defaults to 1.
        class_weights (Tensor, optional): (C, ) weight w of each label.
            Defaults to None (all 1).

    Returns:
        Tensor: (N, ) losses.
    """
    _check_gamma(gamma)
    target = target.to(logits)
    if class_weights is not None:
        target = target * class_weights.to(logits)
    # a positive label has margin z, a negative one -z
    pos, neg = binary_focal_loss(logits, gamma), binary_focal_loss(
        -logits, gamma)
    total = target.sum(1, keepdim=True)
    return (target * pos + (total - target) * neg).sum(1)
