"""The one-stage LVIS configs follow the Equalized Focal Loss authors'
improved baseline where mmdet's ATSS allows it, and differ from mmdet's ATSS
only there.

The authors' recipe: ModelTC/United-Perception,
configs/det/efl/efl_improved_baseline_r50_2x_rfs.yaml: scales 640-800 by 32,
max 1333, flip 0.5 (L4-L21); repeat factors t 0.001, ceil (L45-L55); 1 image
x 16 GPUs (benchmark/equalized_focal_loss.md, "16 GPUs"), 24 epochs, lr
0.00125 per image, momentum 0.9, weight decay 1e-4, a linear warm-up over
one epoch from 0.001, steps at 16 and 22 (L88-L104); gradient clipping at
L2 norm 35 (L115-L119); ResNet-50, stages 0-1 frozen, frozen BN (L122-L131);
FPN P3-P7, P6 from C5's lateral (L132-L143, up/tasks/det/models/necks/
fpn.py L164-L172); GN head, init_prior 0.001, two anchors (L144-L160, L185-
L189); EFL gamma 2, s 8, alpha 0.25 (L168-L175); GIoU weight 1 (L176-L179);
ATSS top 18 (L190-L194); at test no score threshold, 6000 per level, NMS 0.5,
300 per image (L195-L208).
"""
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from lt_mm.core.losses.sigmoid_prior import prior_bias
from ..test_config_bases import resolved, split_differences

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMDET_ATSS = 'mmdet::atss/atss_r50_fpn_1x_coco.py'


def config(path):
    return osp.join(ROOT, 'configs', path)


def model_keys(flat):
    return {k: v for k, v in flat.items() if k.startswith('model.')}


def test_atss_baseline_follows_the_improved_baseline_recipe():
    cfg = Config.fromfile(config('lvis/atss_r50.py'))
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 0.02, 0.9, 0.0001)
    assert 0.02 == pytest.approx(0.00125 * 16)
    assert cfg.train_dataloader.batch_size * 8 == \
        cfg.auto_scale_lr.base_batch_size == 16
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=35, norm_type=2)
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.start_factor, warmup.by_epoch, warmup.end,
            warmup.convert_to_iter_based) == ('LinearLR', 0.001, True, 1,
                                              True)
    assert (steps.milestones, steps.gamma) == ([16, 22], 0.1)
    assert cfg.train_cfg.max_epochs == 24
    sampler = cfg.train_dataloader.sampler
    assert (sampler.type, sampler.repeat_thr, sampler.rounding) == (
        'lt_mm.RepeatFactorSampler', 0.001, 'ceil')
    pipeline = cfg.train_dataloader.dataset.pipeline
    resize, = [t for t in pipeline if t.type == 'RandomChoiceResize']
    assert resize.scales == [(1333, s) for s in range(640, 801, 32)]
    assert all(t.get('with_mask') is not True for t in pipeline)
    assert cfg.val_evaluator.metric == 'bbox'

    model = cfg.model
    assert model.type == 'ATSS'
    assert (model.backbone.frozen_stages, model.backbone.norm_eval,
            model.backbone.norm_cfg.requires_grad) == (1, True, False)
    assert model.neck.add_extra_convs == 'on_lateral'
    head = model.bbox_head
    assert head.anchor_generator.scales == [6, 8]
    assert head.anchor_generator.ratios == [1.0]
    assert head.init_cfg.override.bias_prob == 0.001
    assert (head.loss_cls.type, head.loss_cls.gamma,
            head.loss_cls.alpha) == ('FocalLoss', 2.0, 0.25)
    assert head.loss_bbox == dict(type='GIoULoss', loss_weight=1.0)
    assert model.train_cfg.assigner == dict(type='ATSSAssigner', topk=18)
    test = model.test_cfg
    assert (test.nms_pre, test.score_thr, test.nms.iou_threshold,
            test.max_per_img) == (6000, 0.0, 0.5, 300)


def test_atss_model_is_mmdets_but_for_the_recipe():
    """mmdet's atss_r50_fpn_1x_coco.py model, reached through mmdet's
    RetinaNet base: the only differences are the recipe's (above) and
    RetinaNet's PseudoSampler, the sampler ATSSHead builds without one."""
    ours = model_keys(resolved(config('lvis/atss_r50.py')))
    host = model_keys(resolved(MMDET_ATSS))
    init = 'model.bbox_head.init_cfg.'
    differences = [
        k for k in split_differences(ours, host) if not k.startswith(init)
    ]
    assert differences == [
        'model.backbone.norm_cfg.requires_grad',
        'model.bbox_head.anchor_generator.octave_base_scale',
        'model.bbox_head.anchor_generator.scales[0]',
        'model.bbox_head.anchor_generator.scales[1]',
        'model.bbox_head.anchor_generator.scales_per_octave',
        'model.bbox_head.loss_bbox.loss_weight',
        'model.bbox_head.num_classes',
        'model.neck.add_extra_convs',
        'model.test_cfg.max_per_img',
        'model.test_cfg.nms.iou_threshold',
        'model.test_cfg.nms_pre',
        'model.test_cfg.score_thr',
        'model.train_cfg.assigner.topk',
        'model.train_cfg.sampler.type',
    ]
    assert ours['model.bbox_head.num_classes'] == 1203
    assert ours['model.train_cfg.sampler.type'] == 'PseudoSampler'


@pytest.mark.parametrize('lvis,demo', [('lvis/efl_atss_r50.py',
                                        'lvis/atss_r50.py'),
                                       ('demo/efl_atss.py', 'demo/atss.py')])
def test_efl_configs_only_swap_the_loss(lvis, demo):
    efl, base = resolved(config(lvis)), resolved(config(demo))
    assert all(
        k.startswith('model.bbox_head.loss_cls.')
        for k in split_differences(efl, base))
    loss = Config.fromfile(config(lvis)).model.bbox_head.loss_cls
    assert (loss.type, loss.use_sigmoid, loss.gamma, loss.scale_factor,
            loss.alpha, loss.loss_weight, loss.prior_prob) == (
                'lt_mm.EqualizedFocalLoss', True, 2.0, 8.0, 0.25, 1.0,
                0.001)


def test_atss_demo_shrinks_like_the_mask_rcnn_demo():
    """Every setting configs/demo/mask_rcnn.py changes over
    configs/lvis/mask_rcnn_r50.py, but for the two-stage parts (RPN, RoI
    and mask heads, masks in the pipelines), configs/demo/atss.py changes
    the same way over configs/lvis/atss_r50.py."""
    mask_demo = resolved(config('demo/mask_rcnn.py'))
    mask_lvis = resolved(config('lvis/mask_rcnn_r50.py'))
    atss_demo = resolved(config('demo/atss.py'))
    two_stage = ('model.roi_head.', 'model.rpn_head.', 'model.test_cfg.rpn',
                 'model.train_cfg.rpn', 'model.train_cfg.rcnn')
    shrunk = [
        k for k in split_differences(mask_demo, mask_lvis)
        if not k.startswith(two_stage)
    ]
    assert len(shrunk) > 50
    assert {k: atss_demo.get(k, '<missing>') for k in shrunk} == {
        k: mask_demo.get(k, '<missing>') for k in shrunk
    }
    head = Config.fromfile(config('demo/atss.py')).model.bbox_head
    assert (head.in_channels, head.feat_channels, head.num_classes) == (64,
                                                                        64,
                                                                        20)
    # trainable BN from scratch, as the Mask R-CNN demo's
    assert atss_demo['model.backbone.norm_cfg.requires_grad'] is True


@pytest.mark.parametrize('path', ['demo/atss.py', 'demo/efl_atss.py'])
def test_demo_detectors_build_with_the_prior_bias(path):
    """Both start the classifier at the authors' prior 0.001: the baseline
    through the head's init_cfg, EFL through its loss."""
    init_default_scope('mmdet')
    model = MODELS.build(Config.fromfile(config(path)).model)
    model.init_weights()
    bias = model.bbox_head.atss_cls.bias
    torch.testing.assert_close(bias, torch.full_like(bias, prior_bias(0.001)))
    assert model.bbox_head.cls_out_channels == 20
    assert model.bbox_head.num_base_priors == 2
