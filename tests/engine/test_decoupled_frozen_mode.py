"""A decoupled stage with ``default_hooks.frozen_modules.mode='train'``:
the frozen backbone stays in train mode, as the authors of cRT / LWS train
their second stage (facebookresearch/classifier-balancing, run_networks.py
L115-L120 freeze the feature model's parameters, L247-L249 put every network
in train mode each epoch) and as MiSLAS' ``shift_bn`` (dvlab-research/MiSLAS,
train_stage2.py L309-L313: ``model.train()`` for the frozen feature
extractor, whose forward runs under ``torch.no_grad()``, L341-L347)."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper

from lt_mm.engine import FrozenModulesHook


class TinyClassifier(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        self.head = nn.Linear(2, 3)
        with torch.no_grad():  # the backbone passes its input through
            self.backbone[0].weight.copy_(torch.eye(2))
            self.backbone[0].bias.zero_()

    def forward(self, x):
        return self.head(self.backbone(x))


def build(model, **paramwise):
    return build_optim_wrapper(
        model,
        dict(
            constructor='lt_mm.DecoupledOptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9),
            paramwise_cfg=dict(trainable=['head'], **paramwise)))


def test_train_mode_shifts_the_frozen_batchnorm_statistics():
    """A batch of 5 with feature means (2, -1) and unbiased variances (8, 2)
    moves BatchNorm's running statistics from (0, 0) / (1, 1) by momentum
    0.1 to mean (0.2, -0.1), variance (0.9 + 0.8, 0.9 + 0.2) = (1.7, 1.1);
    the BatchNorm and linear weights stay, only the head steps. Today's
    behaviour (eval mode) leaves the statistics at (0, 0) / (1, 1)."""
    model = TinyClassifier()
    frozen = {k: v.clone() for k, v in model.backbone.named_parameters()}
    wrapper = build(model)
    assert [n for n, p in model.named_parameters() if p.requires_grad] == \
        ['head.weight', 'head.bias']
    runner, hook = SimpleNamespace(model=model), FrozenModulesHook('train')
    hook.before_train(runner)
    model.train()  # what the runner does every epoch
    hook.before_train_iter(runner, 0)
    assert model.backbone.training and model.backbone[1].training
    x = torch.tensor([[-2.0, -3.0], [6.0, 1.0], [2.0, -1.0], [2.0, -1.0],
                      [2.0, -1.0]])
    head_before = model.head.weight.clone()
    wrapper.update_params(model(x).square().mean())
    bn = model.backbone[1]
    torch.testing.assert_close(bn.running_mean, torch.tensor([0.2, -0.1]))
    torch.testing.assert_close(bn.running_var, torch.tensor([1.7, 1.1]))
    for name, param in model.backbone.named_parameters():
        assert torch.equal(param, frozen[name]), name
    assert not torch.equal(model.head.weight, head_before)


def test_eval_mode_stays_the_default_of_the_runtime_bases():
    """Both runtime bases carry the hook; with it the frozen BatchNorm keeps
    eval mode and its statistics."""
    import os.path as osp

    from mmengine.config import Config

    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    for base in ('default_runtime.py', 'cls_runtime.py'):
        cfg = Config.fromfile(osp.join(root, 'configs', '_base_', base))
        assert cfg.default_hooks.frozen_modules == dict(
            type='lt_mm.FrozenModulesHook')
    model = TinyClassifier()
    build(model)
    runner, hook = SimpleNamespace(model=model), FrozenModulesHook()
    hook.before_train(runner)
    model.train()
    hook.before_train_iter(runner, 0)
    assert not model.backbone[1].training
    model(torch.randn(4, 2))
    assert torch.equal(model.backbone[1].running_mean, torch.zeros(2))


def test_bad_mode_is_an_error():
    with pytest.raises(ValueError, match='mode must be one of'):
        FrozenModulesHook('frozen')


@pytest.mark.parametrize('name,mode', [('crt', 'train'), ('lws', 'train'),
                                       ('las', 'train'), ('bags', 'eval')])
def test_runners_of_the_second_stages_build_with_their_mode(
        name, mode, tmp_path):
    """mmengine accepts ``None`` only for its own default hooks, so the mode
    is an argument of the hook, checked on a built runner."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.runner import Runner
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(root, 'configs', 'digits_lt',
                                   f'{name}.py'))
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    hooks = [h for h in runner.hooks if isinstance(h, FrozenModulesHook)]
    assert [h.mode for h in hooks] == [mode]
