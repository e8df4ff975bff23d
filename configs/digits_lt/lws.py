# Learnable weight scaling (LWS) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_lws.py, from the ce.py checkpoint.
_base_ = './ce.py'

load_from = 'work_dirs/ce/epoch_20.pth'
# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the per-class scales.
partial_load_keys = ['head.scales']

model = dict(head=dict(type='lt_mm.LWSClsHead'))

train_dataloader = dict(
    sampler=dict(
        _delete_=True, type='lt_mm.ClassAwareSampler', num_samples_cls=4))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0),
    paramwise_cfg=dict(trainable=['head.scales']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
# the frozen backbone follows the runner's train mode (its BatchNorm
# statistics shift to the re-sampled batches)
default_hooks = dict(
    checkpoint=dict(interval=10), frozen_modules=dict(mode='train'))
