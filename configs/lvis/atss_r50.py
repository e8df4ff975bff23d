# Baseline of the one-stage methods: ATSS R50-FPN, sigmoid focal loss,
# repeat factor sampling (t = 0.001, ceil), multi-scale training, 2x, on LVIS
# v1 (1203 classes), bbox only: the recipe of the Equalized Focal Loss
# authors' "improved baseline" (ModelTC/United-Perception,
# configs/det/efl/efl_improved_baseline_r50_2x_rfs.yaml) as far as mmdet's
# ATSS allows. mmdet's RetinaNet model base with ATSS's head, assigner and
# coder as mmdet's atss/atss_r50_fpn_1x_coco.py sets them, then the
# authors' settings. Not followable in mmdet: their IoU branch (mmdet's
# ATSSHead has a centerness branch; test scores sigmoid(z) * centerness
# instead of sigmoid(z) * IoU) and their GIoU weighting by predicted IoU
# (here mmdet's, by centerness). configs/lvis/efl_atss_r50.py swaps the loss.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/lvis_v1_instance.py',
    'mmdet::_base_/schedules/schedule_2x.py', '../_base_/default_runtime.py'
]

model = dict(
    type='ATSS',
    # their freeze_bn: frozen statistics and affine parameters (yaml L129)
    backbone=dict(norm_cfg=dict(requires_grad=False)),
    # P6 and P7 from C5's lateral, no ReLU (up/tasks/det/models/necks/fpn.py
    # L164-L172, downsample: conv)
    neck=dict(add_extra_convs='on_lateral'),
    bbox_head=dict(
        type='ATSSHead',
        num_classes=1203,
        # two anchors per location, 6 and 8 times the stride (yaml L188-L189)
        anchor_generator=dict(
            _delete_=True,
            type='AnchorGenerator',
            ratios=[1.0],
            scales=[6, 8],
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(target_stds=[0.1, 0.1, 0.2, 0.2]),
        loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
        loss_centerness=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        # their init_prior 0.001 (yaml L158) in mmdet's head initialisation
        init_cfg=dict(
            type='Normal',
            layer='Conv2d',
            std=0.01,
            override=dict(
                type='Normal', name='atss_cls', std=0.01, bias_prob=0.001))),
    # ATSS candidates: 9 per anchor and level, 18 with two anchors (L193)
    train_cfg=dict(assigner=dict(_delete_=True, type='ATSSAssigner', topk=18)),
    # no score threshold, top 6000 per level, per-class NMS 0.5, 300 per
    # image (L198-L208)
    test_cfg=dict(nms_pre=6000, score_thr=0.0, max_per_img=300))

# bbox only: no masks loaded or evaluated
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                (1333, 768), (1333, 800)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
# Repeat factor sampling with ceil(r) copies (their ri_mode: ceil, L49-L54)
train_dataloader = dict(
    sampler=dict(
        type='lt_mm.RepeatFactorSampler', repeat_thr=0.001, rounding='ceil'),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(metric='bbox')
test_evaluator = val_evaluator

# 16 images per step at lr 0.02 (0.00125 per image), a linear warm-up over
# the first epoch from 0.001, gradient clipping at L2 norm 35 (L91-L119)
optim_wrapper = dict(clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.001,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR',
        begin=0,
        end=24,
        by_epoch=True,
        milestones=[16, 22],
        gamma=0.1)
]
# one evaluation, after the last epoch (an LVIS evaluation takes long)
train_cfg = dict(val_interval=24)
