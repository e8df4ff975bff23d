"""The classification configs load, build their models and follow the
published recipes."""
import functools
import os.path as osp

import pytest
import torch

pytest.importorskip('mmpretrain')

from mmengine.config import Config  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# Every classification method with a CIFAR-100-LT config has an
# ImageNet-LT one (the methods' second stages and test-time variants
# included; weight balancing as its two stages).
IMAGENET_LT_METHODS = (
    'bags', 'balanced_softmax', 'cb_focal', 'cb_sigmoid', 'cb_softmax', 'ce',
    'ce_mixup', 'crt', 'equilibrium', 'focal', 'las', 'ldam_drw',
    'logit_adjustment', 'lws', 'ncm', 'posthoc_la', 'seesaw', 'seql',
    'tau_norm', 'weighted_softmax', 'wb_stage1', 'wb_stage2')
CONFIGS = {
    'configs/cifar100_lt/resnet32_ce.py': (100, (3, 32, 32)),
    **{
        f'configs/cifar100_lt/resnet34_wb_stage{stage}.py': (100, (3, 32, 32))
        for stage in (1, 2)
    },
    **{
        f'configs/imagenet_lt/resnext50_{method}.py': (1000, (3, 64, 64))
        for method in IMAGENET_LT_METHODS
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


@functools.lru_cache(maxsize=None)
def load(path):
    """A config, parsed once per session (the tests only read them)."""
    return Config.fromfile(osp.join(ROOT, path))


# Backbones already built, by their config: configs that share one differ
# in neck / head / loss, which each builds itself (a ResNeXt-50 costs about a
# second to build on two cores).
BACKBONES = {}


@pytest.mark.parametrize('path', sorted(CONFIGS))
def test_config_builds_a_model_of_the_dataset(path):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    cfg = load(path)
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
    model_cfg = cfg.model.to_dict()
    model_cfg['data_preprocessor'] = cfg.data_preprocessor.to_dict()
    key = repr(model_cfg['backbone'])
    if key not in BACKBONES:
        BACKBONES[key] = MODELS.build(model_cfg['backbone'])
    model_cfg['backbone'] = BACKBONES[key]
    model = MODELS.build(model_cfg).eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(2, *shape))
        head = model.head
        if hasattr(head, 'accumulate'):  # NCM: class means before scores
            head.accumulate_feature_mean(feats)
            head.accumulate(feats, torch.arange(2) % num_classes)
        logits = head(feats)
    assert logits.shape[0] == 2
    # BAGS adds one "others" logit per group
    assert logits.shape[1] == num_classes + (
        3 if cfg.model.head.type == 'lt_mm.GroupSoftmaxClsHead' else 0)


def test_cifar100_lt_recipe():
    cfg = load('configs/cifar100_lt/resnet32_ce.py')
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
    def load_method(name):
        return load(f'configs/imagenet_lt/resnext50_{name}.py')

    ce = load_method('ce')
    assert ce.default_hooks.checkpoint.interval == 10
    assert ce.train_cfg.max_epochs == 90  # so epoch_90.pth is written
    for name, epochs in (('crt', 10), ('lws', 5)):
        cfg = load_method(name)
        assert cfg.load_from == 'work_dirs/resnext50_ce/epoch_90.pth'
        assert cfg.train_cfg.max_epochs == epochs
        assert cfg.default_hooks.checkpoint.interval == epochs
        assert cfg.train_dataloader.sampler.type == \
            'lt_mm.ClassAwareSampler'
    drw = [h for h in load_method('ldam_drw').custom_hooks
           if h.type == 'lt_mm.DRWHook']
    assert drw == [dict(type='lt_mm.DRWHook', start_epoch=72, beta=0.9999)]


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


def test_every_cifar100_lt_method_has_an_imagenet_lt_config():
    import glob
    cifar = {
        osp.basename(p)[len('resnet32_'):-3] for p in glob.glob(
            osp.join(ROOT, 'configs/cifar100_lt/resnet32_*.py'))
    }
    imagenet = {
        osp.basename(p)[len('resnext50_'):-3]
        for p in glob.glob(osp.join(ROOT, 'configs/imagenet_lt/*.py'))
    }
    assert set(IMAGENET_LT_METHODS) <= imagenet
    # the issue-15 methods (BBN, CMO, RIDE, SADE) bring their own
    # ImageNet-LT configs, checked with them
    others = ('bbn', 'bs_cmo', 'cmo', 'ride', 'sade')
    missing = {m for m in cifar
               if m not in imagenet and not m.startswith(others)}
    assert not missing, missing


def test_imagenet_lt_loss_swaps_keep_the_survey_recipe():
    """The methods without an ImageNet-LT recipe of their authors train with
    resnext50_ce.py's (Zhang et al., TPAMI 2023, Sec. 4.2: batch 256, lr
    0.1, weight decay 5e-4, 90 epochs) and state only their loss."""
    losses = {
        'cb_softmax': dict(type='lt_mm.ClassBalancedLoss', beta=0.9999,
                           loss_type='softmax'),
        'cb_sigmoid': dict(type='lt_mm.ClassBalancedLoss', beta=0.9999,
                           loss_type='sigmoid'),
        'cb_focal': dict(type='lt_mm.ClassBalancedLoss', beta=0.9999,
                         loss_type='focal', gamma=1.0),
        'logit_adjustment': dict(type='lt_mm.LogitAdjustmentLoss', tau=1.0),
        'seql': dict(type='lt_mm.SoftmaxEQLLoss', gamma=0.9, lambda_=4.3e-4),
        'seesaw': dict(type='lt_mm.ClsSeesawLoss', p=0.8, q=2.0),
        'equilibrium': dict(type='lt_mm.ClsEquilibriumLoss', momentum=0.9,
                            init_score=0.01),
    }
    for name, loss in losses.items():
        cfg = load(f'configs/imagenet_lt/resnext50_{name}.py')
        stated = {k: v for k, v in cfg.model.head.loss.items()
                  if k != 'loss_weight'}
        assert stated == dict(loss, num_classes=1000), name
        assert cfg.optim_wrapper.optimizer == dict(
            type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)
        assert cfg.train_cfg.max_epochs == 90
        assert cfg.train_dataloader.batch_size == 256
    # the sigmoid classifiers start at the prior 1 / C, bias undecayed
    # (class-balanced-loss src/model_base.py L188-L197, cifar_main.py
    # L348-L351)
    for name in ('cb_sigmoid', 'cb_focal'):
        cfg = load(f'configs/imagenet_lt/resnext50_{name}.py')
        assert cfg.model.head.init_cfg.bias_prob == 1 / 1000
        assert cfg.optim_wrapper.paramwise_cfg.custom_keys == {
            'head.fc.bias': dict(decay_mult=0.0)}
    # SEQL's lambda: a tail threshold of 50 training images (CIFAR-100-LT's
    # 0.005 x 10,847 = 54)
    assert 4.3e-4 * 115846 == pytest.approx(50, abs=0.5)


def test_imagenet_lt_decoupled_and_test_time_recipes():
    """MiSLAS config/imagenet/imagenet_resnet50_stage{1_mixup,2_mislas}.yaml
    (mixup 0.2, 180 epochs cosine; smoothing 0.3 / 0.0, lr_factor 0.05, 10
    epochs, shift_bn); NCM, post-hoc LA and BAGS on the CE checkpoint."""
    mixup = load('configs/imagenet_lt/resnext50_ce_mixup.py')
    assert mixup.model.train_cfg.augments == dict(type='Mixup', alpha=0.2)
    assert mixup.train_cfg.max_epochs == 180
    assert mixup.param_scheduler == [dict(
        type='CosineAnnealingLR', by_epoch=True, T_max=180, eta_min=0)]
    assert mixup.optim_wrapper.optimizer.weight_decay == 5e-4
    las = load('configs/imagenet_lt/resnext50_las.py')
    assert las.load_from == 'work_dirs/resnext50_ce_mixup/epoch_180.pth'
    assert las.model.head.loss.eps_head == 0.3
    assert las.model.head.loss.eps_tail == 0.0
    assert las.optim_wrapper.paramwise_cfg.custom_keys == {
        'head.fc': dict(lr_mult=0.05)}
    assert las.optim_wrapper.optimizer.lr == 0.1
    assert las.train_cfg.max_epochs == 10
    assert las.train_dataloader.sampler.type == 'lt_mm.ClassAwareSampler'
    assert las.default_hooks.frozen_modules.mode == 'train'
    ncm = load('configs/imagenet_lt/resnext50_ncm.py')
    assert ncm.custom_hooks == [dict(type='lt_mm.NCMHook')]
    assert 'head.fc' in ncm.partial_load_keys
    posthoc = load('configs/imagenet_lt/resnext50_posthoc_la.py')
    assert posthoc.model.head.type == 'lt_mm.LogitAdjustedClsHead'
    assert posthoc.model.head.tau == 1.0
    bags = load('configs/imagenet_lt/resnext50_bags.py')
    assert bags.load_from == 'work_dirs/resnext50_ce/epoch_90.pth'
    assert bags.model.head.loss.bins == (20, 101)
    assert bags.model.head.loss.others_ratio == 8.0
    assert bags.train_dataloader.sampler.type == 'DefaultSampler'
    assert bags.default_hooks.frozen_modules.mode == 'eval'
    assert bags.custom_hooks == [
        dict(type='lt_mm.ResetClassifierHook', modules=['head.fc'])]
