from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.registry import HOOKS


@HOOKS.register_module()
class DRWHook(Hook):
    """Deferred re-weighting (Cao et al., NeurIPS 2019).

    arXiv: https://arxiv.org/abs/1906.07413

    Trains with uniform class weights and switches the loss to class-balanced
    weights ``(1 - beta) / (1 - beta^{n_j})`` from epoch ``start_epoch``
    (0-indexed: epochs ``start_epoch, start_epoch + 1, ...`` are re-weighted;
    160 of 200 on CIFAR-LT). Every module with
    ``set_deferred_reweighting(beta)`` (e.g. ``lt_mm.LDAMLoss``) is told at
    the start of every epoch, from the epoch number alone, so a resumed run
    re-weights exactly like an uninterrupted one. The receiver's reduction
    decides how the weighted batch is averaged: ``lt_mm.LDAMLoss`` divides by
    the batch's sum of weights, the authors' ``F.cross_entropy(weight=w)``
    (kaidic/LDAM-DRW, losses.py L45), see
    :mod:`lt_mm.core.losses.weighted_reduction`.

    Args:
        start_epoch (int): First re-weighted epoch. Defaults to 160.
        beta (float): Class-balanced beta. Defaults to 0.9999.
    """
    priority = 'NORMAL'

    def __init__(self, start_epoch: int = 160, beta: float = 0.9999) -> None:
        if start_epoch < 0:
            raise ValueError(
                f'start_epoch must be non-negative, got {start_epoch}')
        if not 0 <= beta < 1:
            raise ValueError(f'beta must lie in [0, 1), got {beta}')
        self.start_epoch, self.beta = start_epoch, beta

    def before_train_epoch(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        receivers = [
            m for m in model.modules()
            if callable(getattr(m, 'set_deferred_reweighting', None))
        ]
        if not receivers:
            raise RuntimeError(
                'DRWHook found no module with set_deferred_reweighting(); '
                'use a loss that supports it, such as lt_mm.LDAMLoss')
        active = runner.epoch >= self.start_epoch
        for module in receivers:
            module.set_deferred_reweighting(self.beta if active else None)
        if runner.epoch == self.start_epoch:
            runner.logger.info(
                f'DRW: class-balanced weights (beta {self.beta}) from epoch '
                f'{runner.epoch + 1} on')
