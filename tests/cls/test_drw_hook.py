from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from lt_mm.core import ClassStatistics
from lt_mm.core.losses.class_balanced_weights import class_balanced_weights
from lt_mm.registry import HOOKS, MODELS


class Model(nn.Module):

    def __init__(self, loss):
        super().__init__()
        self.loss = loss


def runner_at(model, epoch):
    logger = SimpleNamespace(info=lambda msg: None)
    return SimpleNamespace(model=model, epoch=epoch, logger=logger)


def test_drw_switches_ldam_to_class_balanced_weights_at_start_epoch():
    loss = MODELS.build(dict(type='lt_mm.LDAMLoss', num_classes=3))
    loss.set_class_statistics(
        ClassStatistics.from_labels([[0]] * 50 + [[1]] * 5 + [[2]], 3))
    hook = HOOKS.build(dict(type='lt_mm.DRWHook', start_epoch=160))
    model = Model(loss)
    z = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    hook.before_train_epoch(runner_at(model, 159))
    plain = loss(z, labels, reduction_override='none')
    assert loss.drw_beta is None
    hook.before_train_epoch(runner_at(model, 160))
    weighted = loss(z, labels, reduction_override='none')
    w = class_balanced_weights([50, 5, 1], 0.9999).float()
    torch.testing.assert_close(weighted, plain * w[labels])
    # the state follows the epoch alone: a resume before 160 turns it off
    hook.before_train_epoch(runner_at(model, 10))
    torch.testing.assert_close(loss(z, labels, reduction_override='none'),
                               plain)


def test_drw_without_a_receiver_is_an_error():
    hook = HOOKS.build(dict(type='lt_mm.DRWHook'))
    with pytest.raises(RuntimeError, match='set_deferred_reweighting'):
        hook.before_train_epoch(runner_at(Model(nn.Linear(2, 2)), 0))
    with pytest.raises(ValueError, match='beta'):
        HOOKS.build(dict(type='lt_mm.DRWHook', beta=1.0))
