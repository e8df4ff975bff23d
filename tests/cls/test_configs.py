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
    **{
        f'configs/places_lt/resnet152_{method}.py': (365, (3, 64, 64))
        for method in ('ce', 'crt', 'balanced_softmax')
    },
    **{
        f'configs/inat2018/resnet50_{method}.py': (8142, (3, 64, 64))
        for method in ('ce', 'crt', 'balanced_softmax')
    },
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


def load(path):
    return Config.fromfile(osp.join(ROOT, path))


def test_places_lt_recipe_is_oltr_stage_1_and_decoupling_second_stages():
    """OLTR config/Places_LT/stage_1.py (batch 128, 30 epochs, step 10 x0.1,
    classifier lr 0.1, feature lr 0.001, weight decay 5e-4) on an
    ImageNet-pretrained ResNet-152; cRT from classifier-balancing
    config/Places_LT/cls_crt.yaml, Balanced Softmax from
    BalancedMetaSoftmax-Classification
    config/Places_LT/decouple_balanced_softmax.yaml."""
    ce = load('configs/places_lt/resnet152_ce.py')
    assert ce.model.backbone.depth == 152
    assert ce.model.backbone.init_cfg.type == 'Pretrained'
    assert ce.model.backbone.init_cfg.checkpoint.endswith(
        'resnet152_8xb32_in1k_20210901-4d7582fa.pth')
    assert ce.train_dataloader.dataset.type == 'lt_mm.PlacesLT'
    assert ce.train_dataloader.dataset.data_root == 'data/places365'
    assert ce.val_dataloader.dataset.split == 'val'
    assert ce.test_dataloader.dataset.split == 'test'
    assert ce.train_dataloader.batch_size == 128
    assert ce.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)
    assert ce.optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult * \
        ce.optim_wrapper.optimizer.lr == pytest.approx(0.001)
    assert ce.param_scheduler == [
        dict(type='StepLR', by_epoch=True, step_size=10, gamma=0.1)]
    assert ce.train_cfg.max_epochs == 30
    for name, lr, sampler in (('crt', 0.1, 'lt_mm.ClassAwareSampler'),
                              ('balanced_softmax', 0.02, 'DefaultSampler')):
        cfg = load(f'configs/places_lt/resnet152_{name}.py')
        assert cfg.load_from == 'work_dirs/resnet152_ce/epoch_30.pth'
        assert cfg.train_dataloader.batch_size == 256
        assert cfg.train_dataloader.sampler.type == sampler
        assert cfg.optim_wrapper.optimizer.lr == lr
        assert cfg.optim_wrapper.optimizer.weight_decay == 5e-4
        assert cfg.optim_wrapper.paramwise_cfg == dict(trainable=['head'])
        assert cfg.train_cfg.max_epochs == 10
        assert cfg.param_scheduler[0].T_max == 10
        assert cfg.default_hooks.frozen_modules.mode == 'train'
    assert load('configs/places_lt/resnet152_balanced_softmax.py'
                ).model.head.loss.type == 'lt_mm.BalancedSoftmaxLoss'


def test_inat2018_recipe_is_the_decoupling_code():
    """classifier-balancing config/iNaturalist18/feat_unifrom.yaml (ResNet-50
    from scratch, batch 512, lr 0.2, weight decay 1e-4, cosine, 90 epochs)
    and cls_crt.yaml (30 epochs, class-aware sampler 4)."""
    ce = load('configs/inat2018/resnet50_ce.py')
    assert ce.model.backbone.depth == 50
    assert 'init_cfg' not in ce.model.backbone
    assert ce.train_dataloader.dataset.type == 'lt_mm.INaturalist2018'
    assert ce.train_dataloader.batch_size == 512
    assert ce.data_preprocessor.mean == pytest.approx(
        [255 * m for m in (0.466, 0.471, 0.380)])
    assert ce.data_preprocessor.std == pytest.approx(
        [255 * s for s in (0.195, 0.194, 0.192)])
    assert ce.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4)
    assert ce.param_scheduler == [dict(
        type='CosineAnnealingLR', by_epoch=True, T_max=90, eta_min=0)]
    assert ce.train_cfg.max_epochs == 90
    crt = load('configs/inat2018/resnet50_crt.py')
    assert crt.load_from == 'work_dirs/resnet50_ce/epoch_90.pth'
    assert crt.train_dataloader.sampler == dict(
        type='lt_mm.ClassAwareSampler', num_samples_cls=4)
    assert crt.train_cfg.max_epochs == 30
    assert crt.param_scheduler[0].T_max == 30
    assert crt.optim_wrapper.optimizer.lr == 0.2
