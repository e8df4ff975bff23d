"""Binary cross-entropy on softmax probabilities, the class-balanced
"softmax" loss of the Class-Balanced-Loss PyTorch port that weight balancing
trains its classifiers with (Alshammari et al., CVPR 2022,
ShadeAlsha/LTR-weight-balancing utils/class_balanced_loss.py L72-L94,
from vandit15/Class-balanced-loss-pytorch).

With p = softmax(z), a sample of class y and class weights w (the
class-balanced weights of Cui et al., summing to C), the authors compute
``F.binary_cross_entropy(p, one_hot(y), weight=w_y)``: the mean over the
N x C entries of

    w_y * BCE(p_j, [j = y]) = -w_y ([j = y] log p_j + [j != y] log(1 - p_j)),

so a sample's loss (summed over j, divided by C) is

    l = w_y / C * (-log p_y - sum_{j != y} log(1 - p_j)),

and the batch loss sum_i l_i / N. Unlike the softmax cross-entropy of Cui
et al. it also pushes every wrong class's probability down, and it is about
C times smaller. Logarithms are clamped at -100, as torch's
``binary_cross_entropy`` does. A soft target t (mixup) gives the expected
hard-label loss sum_y t_y l(y).
"""
import torch
from torch import Tensor


def softmax_bce_loss(logits: Tensor, target: Tensor,
                     class_weights: Tensor) -> Tensor:
    """(N, ) per-sample losses l_i (see the module docstring).

    Args:
        logits (Tensor): (N, C) logits z.
        target (Tensor): (N, C) one-hot or soft targets.
        class_weights (Tensor): (C, ) weights w.

    Returns:
        Tensor: (N, ) ``sum_y t_y w_y / C * (-log p_y - sum_{j != y}
        log(1 - p_j))``.
    """
    if logits.shape != target.shape:
        raise ValueError(f'logits {tuple(logits.shape)} and target '
                         f'{tuple(target.shape)} differ in shape')
    num_classes = logits.shape[1]
    if class_weights.shape != (num_classes, ):
        raise ValueError(f'{num_classes} classes but class weights of shape '
                         f'{tuple(class_weights.shape)}')
    log_p = torch.log_softmax(logits, dim=1)
    # log(1 - p) = log(-expm1(log p)), exact also where p is near 1
    log_not_p = torch.log(-torch.expm1(log_p)).clamp(min=-100)
    log_p = log_p.clamp(min=-100)
    negatives = -log_not_p.sum(dim=1, keepdim=True)
    # class y's loss: -log p_y - sum_{j != y} log(1 - p_j)
    per_class = negatives - log_p + log_not_p
    weights = class_weights.to(logits.dtype) / num_classes
    return (target * per_class * weights).sum(dim=1)
