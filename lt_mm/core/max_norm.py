"""MaxNorm constraint of weight balancing (Alshammari et al., "Long-Tailed
Recognition via Weight Balancing", CVPR 2022, arXiv 2203.14197).

Each row w_j of a classifier weight (the class vectors) is kept inside a
norm ball by projected gradient descent: after a training epoch, a row
whose norm exceeds the radius r is scaled back onto the ball,

    w_j <- w_j * r / ||w_j||   if ||w_j|| > r,   otherwise unchanged.

In the authors' code the radius is relative to the row norms when the
constraint starts (the start of the classifier-learning stage) and fixed
from then on:

    r = min_j ||w_j|| + thresh * (max_j ||w_j|| - min_j ||w_j||),

thresh = 0.1 (ShadeAlsha/LTR-weight-balancing, utils/regularizers.py
L16-L28 for the radius, L30-L48 for the projection; the bias gets an
infinite radius there, i.e. it is never projected).
"""
import torch
from torch import Tensor


def _row_norms(weight: Tensor, norm_type: float) -> Tensor:
    if weight.dim() < 2:
        raise ValueError('MaxNorm constrains the rows of a weight of at '
                         'least 2 dimensions, got shape '
                         f'{tuple(weight.shape)}')
    return torch.linalg.vector_norm(
        weight.detach().flatten(1), ord=norm_type, dim=1)


def max_norm_radius(weight: Tensor,
                    thresh: float = 0.1,
                    norm_type: float = 2.0) -> float:
    """The relative MaxNorm radius of ``weight``'s rows.

    Args:
        weight (Tensor): (C, ...) weight, one row per class.
        thresh (float): Position of the radius between the smallest (0) and
            the largest (1) row norm. Defaults to 0.1, the authors' value.
        norm_type (float): The p of the row norms. Defaults to 2.0.

    Returns:
        float: ``min ||w_j|| + thresh * (max ||w_j|| - min ||w_j||)``.
    """
    if thresh < 0:
        raise ValueError(f'thresh must be non-negative, got {thresh}')
    norms = _row_norms(weight, norm_type).double()
    if not torch.isfinite(norms).all():
        raise ValueError('MaxNorm radius of a weight with non-finite rows')
    low, high = norms.min(), norms.max()
    return float(low + thresh * (high - low))


@torch.no_grad()
def max_norm_project_(weight: Tensor,
                      radius: float,
                      norm_type: float = 2.0) -> Tensor:
    """Projects the rows of ``weight`` onto the ball of ``radius``, in place.

    Args:
        weight (Tensor): (C, ...) weight, modified in place.
        radius (float): The ball's radius, positive.
        norm_type (float): The p of the row norms. Defaults to 2.0.

    Returns:
        Tensor: (C, ) bool, the rows that were scaled (norm > radius).
    """
    if not radius > 0:
        raise ValueError(f'MaxNorm radius must be positive, got {radius}')
    norms = _row_norms(weight, norm_type)
    outside = norms > radius
    if outside.any():
        scale = (radius / norms[outside]).to(weight.dtype)
        weight[outside] *= scale.view(-1, *([1] * (weight.dim() - 1)))
    return outside
