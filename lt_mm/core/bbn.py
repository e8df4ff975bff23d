"""BBN's cumulative learning (Zhou et al., `BBN: Bilateral-Branch Network
with Cumulative Learning for Long-Tailed Visual Recognition
<https://arxiv.org/abs/1912.02413>`_, CVPR 2020), host-free.

A conventional branch (features ``f_c`` of a uniformly sampled image ``x_c``)
and a re-balancing branch (``f_r`` of ``x_r`` from the reversed sampler)
share one linear classifier over their concatenated features::

    z     = W [2 alpha f_c ; 2 (1 - alpha) f_r] + b
          = 2 (alpha W_c f_c + (1 - alpha) W_r f_r) + b
    loss  = alpha CE(z, y_c) + (1 - alpha) CE(z, y_r)
    alpha = 1 - ((epoch - 1) / T)^2          (epoch counted from 1)

The factor 2 and the single bias are the authors' (Megvii-Nanjing/BBN,
lib/core/combiner.py L48 and L56-L58: ``2 * torch.cat((l * feature_a, (1-l) *
feature_b))`` then one ``nn.Linear``), so at test time, where both branches
see the same image and the classifier takes ``[f_c ; f_r]``
(lib/core/function.py L75-L77, lib/backbone/resnet_cifar.py L208-L210), the
logits are ``W_c f_c + W_r f_r + b``: the training mix at alpha = 0.5.
``T`` is the number of epochs, except 90 and 180 epochs, which the authors
round up to the next hundred (combiner.py L16-L19: 100 and 200).
"""
import torch

# combiner.py L16-L19
_ROUNDED_PERIODS = {90: 100, 180: 200}


def cumulative_learning_period(max_epochs: int) -> int:
    """``T`` of the schedule for a run of ``max_epochs`` epochs (see the
    module docstring)."""
    if int(max_epochs) != max_epochs or max_epochs < 1:
        raise ValueError(
            f'max_epochs must be a positive integer, got {max_epochs}')
    return _ROUNDED_PERIODS.get(int(max_epochs), int(max_epochs))


def cumulative_learning_alpha(epoch: int, max_epochs: int) -> float:
    """``alpha = 1 - (epoch / T)^2`` for the 0-indexed ``epoch`` (MMEngine's
    ``runner.epoch``; the authors' epochs count from 1, so their
    ``epoch - 1`` is ours): 1 in the first epoch, falling parabolically."""
    period = cumulative_learning_period(max_epochs)
    if int(epoch) != epoch or not 0 <= epoch < max_epochs:
        raise ValueError(
            f'epoch must be an integer in [0, {max_epochs}), got {epoch}')
    return 1.0 - (epoch / period)**2


def bilateral_features(conventional: torch.Tensor, rebalancing: torch.Tensor,
                       alpha: float) -> torch.Tensor:
    """``[2 alpha f_c ; 2 (1 - alpha) f_r]`` along the channels: the
    classifier input of a training step. ``alpha = 0.5`` gives the test-time
    ``[f_c ; f_r]``."""
    if conventional.shape != rebalancing.shape:
        raise ValueError('the branches need features of one shape, got '
                         f'{tuple(conventional.shape)} and '
                         f'{tuple(rebalancing.shape)}: one re-balancing '
                         'sample per conventional sample')
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f'alpha must lie in [0, 1], got {alpha}')
    return torch.cat(
        (2 * alpha * conventional, 2 * (1 - alpha) * rebalancing), dim=1)
