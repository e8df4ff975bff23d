"""The classification configs load, build their models and follow the
published recipes."""
import os.path as osp

import pytest
import torch

pytest.importorskip('mmpretrain')

from mmengine.config import Config  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'configs/cifar100_lt/resnet32_ce.py': (100, (3, 32, 32)),
    'configs/imagenet_lt/resnext50_ce.py': (1000, (3, 64, 64)),
    **{
        f'configs/imagenet_lt/resnext50_{method}.py': (1000, (3, 64, 64))
        for method in ('balanced_softmax', 'crt', 'focal', 'ldam_drw', 'lws',
                       'tau_norm', 'weighted_softmax')
    },
    'configs/digits_lt/ce.py': (10, (1, 8, 8)),
}


@pytest.mark.parametrize('path', sorted(CONFIGS))
def test_config_builds_a_model_of_the_dataset(path):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, path))
    assert cfg.default_scope == 'mmpretrain'
    assert cfg.default_hooks.class_statistics == dict(
        type='lt_mm.ClassStatisticsHook')
    num_classes, shape = CONFIGS[path]
    assert cfg.data_preprocessor.num_classes == num_classes
    # The metric counts the very training set that is trained on.
    assert cfg.val_evaluator.type == 'lt_mm.ShotAccuracy'
    assert cfg.val_evaluator.train_dataset == cfg.train_dataloader.dataset
    assert cfg.test_evaluator == cfg.val_evaluator
    init_default_scope('mmpretrain')
    model_cfg = cfg.model.copy()
    model_cfg.data_preprocessor = cfg.data_preprocessor
    model = MODELS.build(model_cfg).eval()
    with torch.no_grad():
        logits = model(torch.zeros(2, *shape))
    assert logits.shape == (2, num_classes)


def test_cifar100_lt_recipe():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/cifar100_lt/resnet32_ce.py'))
    assert cfg.train_dataloader.batch_size == 128
    assert cfg.train_dataloader.dataset.type == 'lt_mm.CIFAR100LT'
    assert cfg.train_dataloader.dataset.imbalance_ratio == 100
    assert cfg.train_dataloader.dataset.data_root == 'data/cifar100'
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=2e-4)
    assert cfg.train_cfg.max_epochs == 200


def ldam_lr(epoch, base=0.1):
    """LDAM-DRW's adjust_learning_rate for 0-indexed epochs."""
    epoch += 1
    if epoch <= 5:
        return base * epoch / 5
    if epoch > 180:
        return base * 0.0001
    if epoch > 160:
        return base * 0.01
    return base


def test_cifar_schedule_reproduces_ldam_learning_rates():
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import PARAM_SCHEDULERS
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/schedules/cifar_lt_200e.py'))
    wrapper = build_optim_wrapper(torch.nn.Linear(1, 1), cfg.optim_wrapper)
    schedulers = [
        PARAM_SCHEDULERS.build(s, default_args=dict(
            optimizer=wrapper.optimizer)) for s in cfg.param_scheduler
    ]
    for epoch in range(200):
        lr = wrapper.optimizer.param_groups[0]['lr']
        assert lr == pytest.approx(ldam_lr(epoch), rel=1e-6), epoch
        wrapper.optimizer.step()
        for scheduler in schedulers:
            scheduler.step()


def test_imagenet_lt_second_stages_start_from_the_ce_checkpoint():
    def load(name):
        return Config.fromfile(
            osp.join(ROOT, f'configs/imagenet_lt/resnext50_{name}.py'))

    ce = load('ce')
    assert ce.default_hooks.checkpoint.interval == 10
    assert ce.train_cfg.max_epochs == 90  # so epoch_90.pth is written
    for name, epochs in (('crt', 10), ('lws', 5)):
        cfg = load(name)
        assert cfg.load_from == 'work_dirs/resnext50_ce/epoch_90.pth'
        assert cfg.train_cfg.max_epochs == epochs
        assert cfg.default_hooks.checkpoint.interval == epochs
        assert cfg.train_dataloader.sampler.type == \
            'lt_mm.ClassAwareSampler'
    drw = [h for h in load('ldam_drw').custom_hooks
           if h.type == 'lt_mm.DRWHook']
    assert drw == [dict(type='lt_mm.DRWHook', start_epoch=72, beta=0.9999)]
