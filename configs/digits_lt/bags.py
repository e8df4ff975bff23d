# Balanced Group Softmax (BAGS) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_bags.py, from the ce.py checkpoint. The groups
# are the digits' few / medium / many-shot split (< 10, 10-40, > 40 images:
# 4 / 3 / 3 digits).
_base_ = './ce.py'

load_from = 'work_dirs/ce/epoch_20.pth'

model = dict(
    head=dict(
        type='lt_mm.GroupSoftmaxClsHead',
        loss=dict(
            _delete_=True,
            type='lt_mm.ClsGroupSoftmaxLoss',
            num_classes=10,
            bins=(10, 41),
            others_ratio=8.0)))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(trainable=['head']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
default_hooks = dict(checkpoint=dict(interval=10))

custom_hooks = [
    dict(type='lt_mm.ClassStatisticsHook'),
    dict(type='lt_mm.ResetClassifierHook', modules=['head.fc']),
]
