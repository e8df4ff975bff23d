from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

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


def test_drw_phase_averages_the_batch_by_its_weights():
    """kaidic/LDAM-DRW: cifar_train.py L201-L206 (from epoch 160 the weights
    (1 - b) / (1 - b^n), b = 0.9999, normalised to sum C) and losses.py L45
    (F.cross_entropy(s * output, target, weight=per_cls_weights)): the batch
    loss is sum_i w_{y_i} l_i / sum_i w_{y_i}. lt_mm divided by the batch
    size before, about 0.2 times the authors' loss on CIFAR-100-LT."""
    loss = MODELS.build(
        dict(type='lt_mm.LDAMLoss', num_classes=3, max_m=0.5, scale=30.0))
    loss.set_class_statistics(
        ClassStatistics.from_labels([[0]] * 50 + [[1]] * 5 + [[2]], 3))
    hook = HOOKS.build(dict(type='lt_mm.DRWHook', start_epoch=160))
    model = Model(loss)
    cos = torch.rand(6, 3, generator=torch.Generator().manual_seed(1)) * 2 - 1
    labels = torch.tensor([0, 0, 0, 0, 1, 2])
    m = torch.tensor([50.0, 5.0, 1.0]).pow(-0.25)
    m = m * 0.5 / m.max()
    shifted = 30 * (cos - F.one_hot(labels, 3) * m)
    hook.before_train_epoch(runner_at(model, 159))
    torch.testing.assert_close(loss(30 * cos, labels, avg_factor=6),
                               F.cross_entropy(shifted, labels))
    hook.before_train_epoch(runner_at(model, 160))
    w = class_balanced_weights([50, 5, 1], 0.9999).float()
    z = (30 * cos).requires_grad_()
    ours = loss(z, labels, avg_factor=6)
    ours.backward()
    reference = shifted.clone().requires_grad_()
    theirs = F.cross_entropy(reference, labels, weight=w)
    theirs.backward()
    torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(z.grad, reference.grad)
    # the batch-size mean is smaller by the batch's mean weight
    assert ours.item() * w[labels].mean().item() == pytest.approx(
        (F.cross_entropy(shifted, labels, reduction='none') *
         w[labels]).mean().item(), rel=1e-5)


def test_drw_without_a_receiver_is_an_error():
    hook = HOOKS.build(dict(type='lt_mm.DRWHook'))
    with pytest.raises(RuntimeError, match='set_deferred_reweighting'):
        hook.before_train_epoch(runner_at(Model(nn.Linear(2, 2)), 0))
    with pytest.raises(ValueError, match='beta'):
        HOOKS.build(dict(type='lt_mm.DRWHook', beta=1.0))
