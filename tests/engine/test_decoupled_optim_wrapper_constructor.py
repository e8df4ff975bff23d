from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper

from lt_mm.engine.hooks.frozen_modules_hook import (FrozenModulesHook,
                                                  frozen_modules)


class TinyClassifier(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))
        self.head = nn.Sequential(nn.Dropout(0.5), nn.Linear(8, 3))
        self.head.add_module('scale', nn.Linear(3, 3, bias=False))

    def forward(self, x):
        return self.head(self.backbone(x))


def build(model, trainable, **paramwise):
    return build_optim_wrapper(
        model,
        dict(
            constructor='lt_mm.DecoupledOptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9),
            paramwise_cfg=dict(trainable=trainable, **paramwise)))


def test_only_named_parts_train_and_frozen_modules_stay_in_eval():
    torch.manual_seed(0)
    model = TinyClassifier()
    optim_wrapper = build(model, ['head.1'])
    optimized = [p for g in optim_wrapper.optimizer.param_groups
                 for p in g['params']]
    assert {id(p) for p in optimized} == {
        id(p) for p in model.head[1].parameters()}
    assert [n for n, p in model.named_parameters() if p.requires_grad] == \
        ['head.1.weight', 'head.1.bias']
    # the constructor leaves the model's mode to the runner and the hook
    assert model.training and model.backbone[1].training
    assert type(model).train is nn.Module.train and \
        'train' not in vars(model.backbone)

    runner = SimpleNamespace(model=model)
    hook = FrozenModulesHook()
    hook.before_train(runner)
    model.train()  # what the runner does every epoch / iteration
    hook.before_train_iter(runner, 0)
    assert not model.backbone.training and not model.backbone[1].training
    assert not model.head.scale.training
    assert model.training and model.head.training and model.head[0].training

    before = {k: v.clone() for k, v in model.state_dict().items()}
    optim_wrapper.update_params(model(torch.randn(16, 4)).square().mean())
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed == {'head.1.weight', 'head.1.bias'}  # BN stats included


def test_frozen_modules_are_the_outermost_all_frozen_ones():
    model = TinyClassifier()
    build(model, ['head.1'])
    assert frozen_modules(model) == [model.backbone, model.head.scale]
    model = TinyClassifier()
    assert frozen_modules(model) == []  # nothing frozen: nothing changes


def test_the_removed_frozen_mode_option_names_its_new_place():
    with pytest.raises(ValueError, match='default_hooks=dict.frozen_modules='):
        build(TinyClassifier(), ['head'], frozen_mode='train')


def test_other_paramwise_options_apply_to_the_trainable_parameters():
    model = TinyClassifier()
    optim_wrapper = build(model, ['head'],
                          custom_keys={'head.scale': dict(lr_mult=0.1)})
    lrs = sorted(round(g['lr'], 6)
                 for g in optim_wrapper.optimizer.param_groups)
    assert lrs == [0.01, 0.1, 0.1]  # head.scale.weight; head.1's two


def test_a_parameter_name_also_selects():
    model = TinyClassifier()
    build(model, ['head.1.bias'])
    assert [n for n, p in model.named_parameters() if p.requires_grad] == \
        ['head.1.bias']


def test_bad_trainable_names_are_errors():
    with pytest.raises(ValueError, match="'head.7' matches no parameter"):
        build(TinyClassifier(), ['head.7'])
    # names match on '.' boundaries, not as string prefixes
    with pytest.raises(ValueError, match="'hea' matches no parameter"):
        build(TinyClassifier(), ['hea'])
    with pytest.raises(ValueError, match='needs paramwise_cfg'):
        build(TinyClassifier(), [])
