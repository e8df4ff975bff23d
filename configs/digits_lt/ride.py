# RIDE on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_ride.py. A depth-8 CIFAR ResNet (one block a
# stage): stem and stage 1 shared, 3 experts with stages 2-3 at widths
# 24 / 48 and cosine classifiers (s = 30); re-weighting and per-class
# temperatures from epoch 16 of 20 (160 of 200 scaled).
_base_ = './ce.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='lt_mm.MultiExpertCIFARResNet',
        depth=8,
        in_channels=1,
        num_experts=3,
        expert_channels=(24, 48)),
    head=dict(
        _delete_=True,
        type='lt_mm.MultiExpertClsHead',
        num_classes=10,
        in_channels=48,
        num_experts=3,
        loss=dict(type='lt_mm.RIDELoss', num_classes=10)))

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))

custom_hooks = [dict(type='lt_mm.DRWHook', start_epoch=16, beta=0.9999)]
