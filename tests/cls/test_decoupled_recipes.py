"""The decoupled classification configs train their second stage the way the
authors' code does: cRT / LWS (facebookresearch/classifier-balancing) and
MiSLAS (dvlab-research/MiSLAS)."""
import math
import os.path as osp

import pytest
import torch

pytest.importorskip('mmpretrain')

from mmengine.config import Config  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import PARAM_SCHEDULERS  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CRT_LWS = [
    'configs/cifar100_lt/resnet32_crt.py',
    'configs/cifar100_lt/resnet32_lws.py',
    'configs/imagenet_lt/resnext50_crt.py',
    'configs/imagenet_lt/resnext50_lws.py',
    'configs/digits_lt/crt.py',
    'configs/digits_lt/lws.py',
]
MISLAS = ['configs/cifar100_lt/resnet32_las.py', 'configs/digits_lt/las.py']


def load(path):
    return Config.fromfile(osp.join(ROOT, path))


def build_model(cfg):
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(model_cfg)


def lrs_per_epoch(cfg, model, epochs):
    """Learning rate of every parameter group at each epoch, stepping the
    config's schedulers as MMEngine's epoch-based loop does."""
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    schedulers = [
        PARAM_SCHEDULERS.build(s, default_args=dict(
            optimizer=wrapper.optimizer)) for s in cfg.param_scheduler
    ]
    out = []
    for _ in range(epochs):
        out.append([g['lr'] for g in wrapper.optimizer.param_groups])
        wrapper.optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return wrapper, out


@pytest.mark.parametrize('path', CRT_LWS + MISLAS)
def test_second_stages_use_the_authors_sampler_and_train_mode(path):
    """classifier-balancing config/ImageNet_LT/cls_crt.yaml and cls_lws.yaml:
    ``sampler: {type: ClassAwareSampler, num_samples_cls: 4}``; MiSLAS
    datasets/cifar100.py L95-L99 (ClassAwareSampler, default
    num_samples_cls=4 in datasets/sampler.py L131). The frozen backbone in
    train mode: classifier-balancing run_networks.py L247-L249, MiSLAS
    ``shift_bn: True`` (config/cifar100/cifar100_imb001_stage2_mislas.yaml,
    train_stage2.py L309-L313)."""
    cfg = load(path)
    assert cfg.train_dataloader.sampler == dict(
        type='lt_mm.ClassAwareSampler', num_samples_cls=4)
    assert cfg.default_hooks.frozen_modules == dict(
        type='lt_mm.FrozenModulesHook', mode='train')


def mislas_stage1_lr(epoch, base=0.1):
    """MiSLAS train_stage1.py L433-L448 (cos: False), 0-indexed epochs."""
    epoch += 1
    if epoch <= 5:
        return base * epoch / 5
    if epoch > 180:
        return base * 0.01
    if epoch > 160:
        return base * 0.1
    return base


def test_mislas_first_stage_decays_by_ten_and_a_hundred():
    """x0.1 at epoch 160 and x0.01 at epoch 180 after the 5-epoch warm-up
    (MiSLAS train_stage1.py L440-L448); LDAM-DRW's base schedule decays
    x0.01 / x0.0001."""
    cfg = load('configs/cifar100_lt/resnet32_ce_mixup.py')
    assert cfg.model.train_cfg.augments == dict(type='Mixup', alpha=1.0)
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=2e-4)
    _, lrs = lrs_per_epoch(cfg, torch.nn.Linear(1, 1), 200)
    for epoch, (lr, ) in enumerate(lrs):
        assert lr == pytest.approx(mislas_stage1_lr(epoch), rel=1e-6), epoch


def mislas_stage2_lrs(epoch, base=0.1, lr_factor=0.2, epochs=10):
    """MiSLAS train_stage2.py L452-L462: cosine over the epochs, the
    classifier's group at lr_factor times the LWS group's lr."""
    lr = 0.5 * base * (1 + math.cos(epoch / epochs * math.pi))
    return lr_factor * lr, lr


def test_mislas_second_stage_learning_rates_per_parameter_group():
    """config/cifar100/cifar100_imb001_stage2_mislas.yaml: lr 0.1,
    lr_factor 0.2, weight_decay 2e-4, 10 epochs; train_stage2.py L241-L244
    give the classifier and the LWS scales one group each, both with the
    weight decay. Through MMEngine's optimizer wrapper constructor: the
    classifier (head.fc) at 0.02, the scales at 0.1, nothing else."""
    cfg = load('configs/cifar100_lt/resnet32_las.py')
    assert cfg.train_cfg.max_epochs == 10
    model = build_model(cfg)
    wrapper, lrs = lrs_per_epoch(cfg, model, 10)
    names = {id(p): n for n, p in model.named_parameters()}
    groups = {
        names[id(g['params'][0])]: g
        for g in wrapper.optimizer.param_groups
    }
    assert set(groups) == {'head.fc.weight', 'head.fc.bias', 'head.scales'}
    assert all(g['weight_decay'] == 2e-4 for g in groups.values())
    order = [names[id(g['params'][0])]
             for g in wrapper.optimizer.param_groups]
    for epoch, lr in enumerate(lrs):
        fc, scales = mislas_stage2_lrs(epoch)
        expected = [scales if n == 'head.scales' else fc for n in order]
        assert lr == pytest.approx(expected, rel=1e-6, abs=1e-12), epoch


@pytest.mark.parametrize('path', MISLAS + ['configs/digits_lt/crt.py'])
def test_frozen_backbone_batchnorm_shifts_while_its_weights_stay(path):
    """shift_bn (MiSLAS train_stage2.py L309-L313, L341-L348): a second
    stage step moves the backbone's BatchNorm running mean towards the
    batch while every backbone weight stays; before, the frozen backbone
    was pinned to eval mode and its statistics did not move."""
    cfg = load(path)
    model = build_model(cfg)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    bn_name, bn = next((n, m) for n, m in model.backbone.named_modules()
                       if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))
    assert bn.training
    mean_before = bn.running_mean.clone()
    weights = {n: p.clone() for n, p in model.backbone.named_parameters()}
    from mmpretrain.structures import DataSample
    channels = cfg.model.backbone.get('in_channels', 3)
    size = 8 if channels == 1 else 32
    inputs = torch.randn(8, channels, size, size) + 1.0
    samples = [DataSample().set_gt_label(i % 10) for i in range(8)]
    for module in model.modules():
        if hasattr(module, 'set_class_statistics'):
            from lt_mm.core import ClassStatistics
            num = cfg.model.head.num_classes
            module.set_class_statistics(ClassStatistics.from_labels(
                [[c] for c in range(num) for _ in range(num - c)], num))
    losses = model.loss(inputs, samples)
    wrapper.update_params(sum(losses.values()))
    assert not torch.allclose(bn.running_mean, mean_before), bn_name
    for name, param in model.backbone.named_parameters():
        assert torch.equal(param, weights[name]), name
