# The one-stage LVIS baseline (../lvis/atss_r50.py: ATSS, sigmoid focal loss,
# repeat factors) shrunk to the synthetic demo set exactly as mask_rcnn.py
# shrinks the Mask R-CNN (20 classes, 128 px images, a narrow ResNet-18
# trained from scratch, 5 epochs, seed 0), so it trains on a CPU in minutes.
# Bounding boxes only. efl_atss.py swaps the loss.
_base_ = '../lvis/atss_r50.py'

num_classes = 20
image_size = (128, 128)
data_root = 'data/lvis_demo/'

model = dict(
    backbone=dict(
        depth=18,
        base_channels=16,
        frozen_stages=-1,
        norm_cfg=dict(requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    bbox_head=dict(
        in_channels=64, feat_channels=64, num_classes=num_classes))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    # t = 0.001 repeats classes seen in fewer than ~100 of LVIS v1's 100k
    # training images; the same cut on 400 demo images is t = 0.25.
    sampler=dict(repeat_thr=0.25),
    dataset=dict(
        data_root=data_root,
        filter_cfg=dict(min_size=8),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/lvis_v1_val.json')
test_evaluator = val_evaluator

# The 2x schedule's shape (warm-up, two steps), compressed.
max_epochs = 5
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[3, 4],
        gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
log_processor = dict(window_size=10)
# the README's demo tables were trained with this seed
randomness = dict(seed=0)
