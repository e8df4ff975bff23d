# Learnable weight scaling (LWS; Kang et al., ICLR 2020) on CIFAR-100-LT
# (imbalance 100): from the cross-entropy model (resnet32_ce.py), only a
# per-class scale of the classifier's logits is learnt, for 10 epochs with
# class-aware sampling (round robin over the classes, 4 images of a class at
# a time), lr 0.1 with cosine decay; everything else is frozen, the backbone
# in train mode as in the authors' code (its BatchNorm running statistics
# follow the class-balanced batches).
_base_ = './resnet32_ce.py'

load_from = 'work_dirs/resnet32_ce/epoch_200.pth'
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
default_hooks = dict(frozen_modules=dict(mode='train'))
