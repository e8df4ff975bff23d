"""Logit adjustment (Menon et al., "Long-tail learning via logit
adjustment", ICLR 2021) and Balanced Softmax (Ren et al., "Balanced
Meta-Softmax for Long-Tailed Visual Recognition", NeurIPS 2020).

With class priors pi_j = n_j / sum(n):

- logit-adjusted loss: cross-entropy on z_j + tau * log pi_j (tau = 1);
- post-hoc adjustment of a model trained with plain cross-entropy: predict
  argmax_j z_j - tau * log pi_j.

Balanced Softmax is the logit-adjusted loss with tau = 1: its softmax of
z_j + log n_j equals that of z_j + log pi_j, since log n_j and log pi_j differ
by log sum(n), the same for every class. It is not implemented twice.
A class without training samples counts as one sample, so its prior is
small but its adjusted logit stays finite.
"""
import torch
from torch import Tensor


def log_class_prior(counts) -> Tensor:
    """(C, ) float64 log pi_j from class counts.

    Args:
        counts (Sequence[float] | Tensor): (C, ) non-negative class counts;
            a count under 1 counts as 1.

    Returns:
        Tensor: (C, ) float64 ``log(n_j / sum(n))``.
    """
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if counts.dim() != 1 or not len(counts) or (counts < 0).any():
        raise ValueError('class counts must be a non-empty 1-D sequence of '
                         'non-negative numbers')
    counts = counts.clamp(min=1)
    return counts.log() - counts.sum().log()


def adjust_logits(logits: Tensor, log_prior: Tensor,
                  tau: float = 1.0) -> Tensor:
    """z + tau * log pi; the post-hoc correction passes ``-tau``.

    Args:
        logits (Tensor): (N, C) logits z.
        log_prior (Tensor): (C, ) log pi from :func:`log_class_prior`.
        tau (float): Scale of the log prior. Defaults to 1.0.

    Returns:
        Tensor: (N, C) adjusted logits, in the dtype of ``logits``.
    """
    return logits + tau * log_prior.to(logits)
