# Second stage of MiSLAS (Zhong et al., "Improving Calibration for
# Long-Tailed Recognition", CVPR 2021) on CIFAR-100-LT (imbalance 100), the
# authors' config/cifar100/cifar100_imb001_stage2_mislas.yaml: from the mixup
# model (resnet32_ce_mixup.py), the classifier (lr x0.2, lr_factor) and a
# learnable per-class scale (lr x1) train for 10 epochs with label-aware
# smoothing (eps 0.4 head .. 0.1 tail, sine schedule) and class-aware
# sampling (4 images of a class at a time), SGD lr 0.1 with cosine decay,
# weight decay 2e-4 on both (train_stage2.py L241-L244, L452-L462). The
# backbone's weights are frozen, but it stays in train mode: BatchNorm
# shifts its statistics to the class-balanced batches (shift_bn,
# train_stage2.py L309-L313).
# Published top-1 of MiSLAS: 47.0 (the paper, Table 4).
_base_ = './resnet32_ce.py'

load_from = 'work_dirs/resnet32_ce_mixup/epoch_200.pth'
# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the per-class scales and the
# loss's class counts.
partial_load_keys = ['head.scales', 'head.loss_module']

model = dict(
    head=dict(
        type='lt_mm.LWSClsHead',
        loss=dict(
            type='lt_mm.LabelAwareSmoothingLoss',
            num_classes=100,
            eps_head=0.4,
            eps_tail=0.1,
            shape='concave')))

train_dataloader = dict(
    sampler=dict(
        _delete_=True, type='lt_mm.ClassAwareSampler', num_samples_cls=4))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=2e-4),
    paramwise_cfg=dict(
        trainable=['head'],
        custom_keys={'head.fc': dict(lr_mult=0.2)}))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
# the frozen backbone follows the runner's train mode (its BatchNorm
# statistics shift to the re-sampled batches)
default_hooks = dict(frozen_modules=dict(mode='train'))
