"""Seesaw Loss (Wang et al., "Seesaw Loss for Long-Tailed Instance
Segmentation", CVPR 2021).

For a sample of class i the cross-entropy is taken over the logits

    z'_j = z_j + log S_ij  (j != i),   z'_i = z_i,   S_ij = M_ij * C_ij

with the mitigation factor, from the cumulative number N of samples seen per
class (clamped to at least 1),

    M_ij = (N_j / N_i)^p  if N_j < N_i  else 1,

and the compensation factor, from the detached softmax sigma of the logits
(sigma_i clamped to at least eps),

    C_ij = (sigma_j / sigma_i)^q  if sigma_j > sigma_i  else 1.

Both factors are formed in log space: log S_ij = p * min(0, log N_j - log N_i)
+ q * max(0, log sigma_j - log max(sigma_i, eps)).
"""
import math

import torch
import torch.nn.functional as F

from ..precision import at_least_float32


def seesaw_logits(logits: torch.Tensor,
                  labels: torch.Tensor,
                  cum_counts: torch.Tensor,
                  p: float = 0.8,
                  q: float = 2.0,
                  eps: float = 1e-2) -> torch.Tensor:
    """Logits re-balanced by the Seesaw factors, to feed a cross-entropy.

    Args:
        logits (Tensor): (N, C) class logits of the samples.
        labels (Tensor): (N, ) class index of each sample, in [0, C).
        cum_counts (Tensor): (C, ) samples seen per class so far, this batch
            included.
        p (float): Exponent of the mitigation factor; 0 turns it off.
        q (float): Exponent of the compensation factor; 0 turns it off.
        eps (float): Lower bound of sigma_i in the compensation factor.

    Returns:
        Tensor: (N, C) adjusted logits, computed in float32 at least.
    """
    logits = at_least_float32(logits)
    labels = labels.long()[:, None]
    # S depends on the counts and on the detached softmax only, so it is a
    # constant of the graph: build it without autograd, in place.
    with torch.no_grad():
        log_s = torch.zeros_like(logits)
        if p > 0:
            log_n = cum_counts.to(logits).clamp(min=1).log()
            log_s = (log_n[None, :] - log_n[labels]).clamp_(max=0).mul_(p)
        if q > 0:
            log_sigma = F.log_softmax(logits, dim=1)
            log_sigma_i = log_sigma.gather(1, labels).clamp_(min=math.log(eps))
            log_s.add_(log_sigma.sub_(log_sigma_i).clamp_(min=0).mul_(q))
        log_s.scatter_(1, labels, 0.0)  # S_ii = 1
    return logits + log_s
