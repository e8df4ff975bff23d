"""Weight balancing (Alshammari et al., CVPR 2022): the MaxNorm radius and
projection, the hook's once-per-epoch projection and fixed radius across a
resume, the second stage's class-balanced softmax BCE, and the recipes."""
import functools
import logging
import math
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from lt_mm.core.max_norm import max_norm_project_, max_norm_radius
from lt_mm.core.losses.softmax_bce import softmax_bce_loss

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# row norms 5, 1, 10, 2
WEIGHT = [[3., 4.], [0., 1.], [6., 8.], [0., 2.]]


def test_radius_is_min_plus_thresh_of_the_norm_range():
    """ShadeAlsha/LTR-weight-balancing, utils/regularizers.py L16-L28:
    min + thresh (max - min) of the rows' L2 norms."""
    weight = torch.tensor(WEIGHT)
    assert max_norm_radius(weight) == pytest.approx(1 + 0.1 * (10 - 1))
    assert max_norm_radius(weight, thresh=0.5) == pytest.approx(5.5)
    assert max_norm_radius(weight, thresh=0.0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match='at least 2 dimensions'):
        max_norm_radius(torch.ones(3))
    with pytest.raises(ValueError, match='thresh'):
        max_norm_radius(weight, thresh=-0.1)


def test_projection_scales_only_rows_outside_the_ball():
    """regularizers.py L30-L48: a row with norm > r becomes w r / ||w||,
    the others stay."""
    weight = torch.tensor(WEIGHT)
    outside = max_norm_project_(weight, 1.9)
    assert outside.tolist() == [True, False, True, True]
    assert weight.flatten().tolist() == pytest.approx(
        [1.14, 1.52, 0., 1., 1.14, 1.52, 0., 1.9])
    assert torch.linalg.norm(weight, dim=1).tolist() == pytest.approx(
        [1.9, 1.0, 1.9, 1.9])
    # a second projection changes nothing
    before = weight.clone()
    max_norm_project_(weight, 1.9 + 1e-6)
    assert torch.equal(weight, before)
    with pytest.raises(ValueError, match='positive'):
        max_norm_project_(weight, 0.0)


def make_runner(model, epoch=0):
    return SimpleNamespace(model=model, epoch=epoch, iter=epoch * 10,
                           logger=logging.getLogger('test_wb'))


def classifier():
    model = torch.nn.Module()
    model.head = torch.nn.Module()
    model.head.fc = torch.nn.Linear(2, 4)
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.tensor(WEIGHT))
        model.head.fc.bias.copy_(torch.tensor([5., -7., 0., 1.]))
    return model


def test_hook_fixes_the_radius_at_the_start_and_projects_each_epoch():
    """demo2_second-stage-training In[30] sets the radius once, before
    stage 2; utils/trainval.py L143-L145 projects after each epoch's
    training phase; the bias is never projected (regularizers.py L23-L25,
    infinite radius)."""
    from mmengine.hooks import Hook

    from lt_mm.cls.engine.hooks import MaxNormHook
    model = classifier()
    runner = make_runner(model)
    hook = MaxNormHook(module='head.fc', thresh=0.1)
    hook.before_train(runner)
    assert hook.radius == pytest.approx(1.9)
    # iterations leave the weights alone: only the epoch end projects
    assert MaxNormHook.after_train_iter is Hook.after_train_iter
    hook.after_train_epoch(runner)
    norms = torch.linalg.norm(model.head.fc.weight, dim=1)
    assert norms.tolist() == pytest.approx([1.9, 1.0, 1.9, 1.9])
    assert model.head.fc.bias.tolist() == [5., -7., 0., 1.]
    # training grows a row again; the radius stays the start's
    with torch.no_grad():
        model.head.fc.weight[1] = torch.tensor([0., 30.])
    hook.after_train_epoch(runner)
    assert hook.radius == pytest.approx(1.9)
    assert model.head.fc.weight[1].tolist() == pytest.approx([0., 1.9])


def test_resume_keeps_the_saved_radius_and_load_from_measures_anew():
    from lt_mm.cls.engine.hooks import MaxNormHook
    hook = MaxNormHook()
    hook.before_train(make_runner(classifier()))
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    assert checkpoint['max_norm'] == dict(module='head.fc',
                                         radius=pytest.approx(1.9))

    # resumed at epoch 3 with projected weights: the radius is the saved one
    projected = classifier()
    max_norm_project_(projected.head.fc.weight.data, 1.9)
    resumed = MaxNormHook()
    resumed.after_load_checkpoint(None, checkpoint)
    resumed.before_train(make_runner(projected, epoch=3))
    assert resumed.radius == pytest.approx(1.9)
    # measured anew, it would shrink to 1 + 0.1 (1.9 - 1) = 1.09
    assert max_norm_radius(projected.head.fc.weight) == pytest.approx(1.09)

    # load_from (epoch 0) a checkpoint that carries one: the stage starts
    fresh = MaxNormHook()
    fresh.after_load_checkpoint(None, checkpoint)
    fresh.before_train(make_runner(projected, epoch=0))
    assert fresh.radius == pytest.approx(1.09)


def test_hook_names_a_missing_module():
    from lt_mm.cls.engine.hooks import MaxNormHook
    with pytest.raises(KeyError, match="no module 'head.fcx'"):
        MaxNormHook(module='head.fcx').before_train(make_runner(classifier()))


def test_softmax_bce_by_hand():
    """ShadeAlsha/LTR-weight-balancing, utils/class_balanced_loss.py
    L72-L94 ('softmax'): F.binary_cross_entropy(softmax(z), one_hot(y),
    weight=w_y), the mean over the N x C entries."""
    logits = torch.tensor([[math.log(2.), 0., 0.], [0., 0., math.log(2.)]])
    labels = torch.tensor([0, 1])
    weights = torch.tensor([0.5, 1.0, 1.5])
    target = F.one_hot(labels, 3).float()
    losses = softmax_bce_loss(logits, target, weights)
    # p = (1/2, 1/4, 1/4): -log 1/2 - 2 log 3/4, times w_0 / 3
    first = 0.5 / 3 * (math.log(2) + 2 * math.log(4 / 3))
    # p = (1/4, 1/4, 1/2), class 1: -log 1/4 - log 3/4 - log 1/2
    second = 1.0 / 3 * (math.log(4) + math.log(4 / 3) + math.log(2))
    assert losses.tolist() == pytest.approx([first, second], rel=1e-6)
    authors = F.binary_cross_entropy(
        logits.softmax(1), target,
        weight=weights[labels].unsqueeze(1).expand(-1, 3))
    assert losses.mean().item() == pytest.approx(authors.item(), rel=1e-6)
    # a soft target is the expectation of the hard-label losses
    soft = softmax_bce_loss(logits[:1], torch.tensor([[0.25, 0.75, 0.]]),
                            weights)
    hard = [softmax_bce_loss(logits[:1], F.one_hot(torch.tensor([k]), 3)
                             .float(), weights) for k in (0, 1)]
    assert soft.item() == pytest.approx(0.25 * hard[0].item() +
                                        0.75 * hard[1].item())


def test_class_balanced_softmax_bce_loss_uses_class_balanced_weights():
    from lt_mm.core import ClassStatistics
    from lt_mm.core.losses import class_balanced_weights
    from mmpretrain.registry import MODELS

    import lt_mm  # noqa: F401
    loss = MODELS.build(
        dict(type='lt_mm.ClassBalancedSoftmaxBCELoss', num_classes=3))
    loss.set_class_statistics(
        ClassStatistics.from_labels([[0]] * 5 + [[1]] * 2 + [[2]], 3))
    logits = torch.randn(4, 3, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 2])
    value = loss(logits, labels, avg_factor=4)
    w = class_balanced_weights([5, 2, 1], 0.9999).float()
    authors = F.binary_cross_entropy(
        logits.softmax(1), F.one_hot(labels, 3).float(),
        weight=w[labels].unsqueeze(1).expand(-1, 3))
    assert value.item() == pytest.approx(authors.item(), rel=1e-5)
    value.backward()
    assert torch.isfinite(logits.grad).all()


def test_gradcheck_softmax_bce():
    logits = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    target = F.one_hot(torch.tensor([0, 3, 1]), 4).double()
    weights = torch.tensor([0.5, 1.0, 1.5, 1.0], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda z: softmax_bce_loss(z, target, weights), (logits, ))


@functools.lru_cache(maxsize=None)
def load(path):
    from mmengine.config import Config
    return Config.fromfile(osp.join(ROOT, path))


@pytest.mark.parametrize('prefix', [
    'configs/cifar100_lt/resnet34_wb', 'configs/imagenet_lt/resnext50_wb',
    'configs/digits_lt/wb'
])
def test_second_stage_recipe(prefix):
    """demo2_second-stage-training In[30]-In[33]: only the classifier's
    weight and bias train, SGD lr 0.01, momentum 0.9, weight decay 0.1, 10
    epochs of cosine decay to 0, CB 'softmax' loss with beta 0.9999, MaxNorm
    thresh 0.1."""
    first, second = load(prefix + '_stage1.py'), load(prefix + '_stage2.py')
    assert second.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=0.1)
    assert second.optim_wrapper.paramwise_cfg == dict(trainable=['head.fc'])
    assert second.param_scheduler == [dict(
        type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)]
    assert second.train_cfg.max_epochs == 10
    assert second.model.head.loss.type == 'lt_mm.ClassBalancedSoftmaxBCELoss'
    assert second.model.head.loss.get('beta', 0.9999) == 0.9999
    assert [h for h in second.custom_hooks
            if h.type == 'lt_mm.MaxNormHook'] == [
                dict(type='lt_mm.MaxNormHook', module='head.fc', thresh=0.1)]
    assert second.default_hooks.frozen_modules.mode == 'train'
    # stage 1: cross-entropy with tuned weight decay, no MaxNorm
    assert first.model.head.loss.type == 'CrossEntropyLoss'
    assert not [h for h in first.get('custom_hooks', [])
                if h.type == 'lt_mm.MaxNormHook']
    last = first.train_cfg.max_epochs
    assert second.load_from.endswith(f'_stage1/epoch_{last}.pth')


def test_cifar_first_stage_recipe():
    """demo1_first-stage-training In[4], In[10], In[25]: ResNet-34 (CIFAR
    stem), batch 64, SGD lr 0.01, momentum 0.9, weight decay 5e-3, 320
    epochs of cosine decay to 0."""
    cfg = load('configs/cifar100_lt/resnet34_wb_stage1.py')
    assert cfg.model.backbone.type == 'ResNet_CIFAR'
    assert cfg.model.backbone.depth == 34
    assert cfg.model.head.in_channels == 512
    assert cfg.train_dataloader.batch_size == 64
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-3)
    assert cfg.param_scheduler == [dict(
        type='CosineAnnealingLR', by_epoch=True, T_max=320, eta_min=0)]
    assert cfg.train_cfg.max_epochs == 320
