# Cross-entropy baseline on long-tailed digits: the CIFAR-LT recipe (a
# CIFAR ResNet, SGD with warm-up and step decay) shrunk to a CPU demo that
# trains in seconds. The per-method digits configs inherit from this one.
_base_ = [
    '../_base_/datasets/digits_lt.py',
    '../_base_/cls_runtime.py',
]

model = dict(
    type='ImageClassifier',
    # A two-stage, 16 / 32-channel CIFAR ResNet (4 BasicBlocks, 43k
    # parameters): ResNet-32 learns the same but is 5x slower on CPU.
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        in_channels=1,
        stem_channels=16,
        base_channels=16,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(1, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=2),
    dict(type='MultiStepLR', by_epoch=True, milestones=[16, 18], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=20)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=20, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
