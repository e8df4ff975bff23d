# Classifier re-training (cRT) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_crt.py, from the ce.py checkpoint.
_base_ = './ce.py'

load_from = 'work_dirs/ce/epoch_20.pth'

train_dataloader = dict(
    sampler=dict(
        _delete_=True, type='lt_mm.ClassAwareSampler', num_samples_cls=4))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(trainable=['head']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
# the frozen backbone follows the runner's train mode (its BatchNorm
# statistics shift to the re-sampled batches)
default_hooks = dict(
    checkpoint=dict(interval=10), frozen_modules=dict(mode='train'))

custom_hooks = [dict(type='lt_mm.ResetClassifierHook', modules=['head.fc'])]
