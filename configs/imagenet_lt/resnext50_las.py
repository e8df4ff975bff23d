# Second stage of MiSLAS (Zhong et al., CVPR 2021) on ImageNet-LT with the
# authors' ImageNet-LT recipe (MiSLAS
# config/imagenet/imagenet_resnet50_stage2_mislas.yaml): from the mixup
# model (resnext50_ce_mixup.py), the classifier (lr x0.05, lr_factor) and a
# learnable per-class scale (lr x1) train for 10 epochs with label-aware
# smoothing (eps 0.3 head .. 0.0 tail) and class-aware sampling (4 images
# of a class at a time), SGD lr 0.1, batch 256, weight decay 5e-4, cosine
# decay; the frozen backbone in train mode so its BatchNorm shifts to the
# class-balanced batches (shift_bn). Differs: ResNeXt-50 instead of their
# ResNet-50. Survey top-1 51.4 (many / medium / few 62.1 / 48.9 / 32.6;
# Zhang et al., TPAMI 2023, Tables 4-5, 90 epochs, "MiSLAS").
_base_ = './resnext50_ce.py'

load_from = 'work_dirs/resnext50_ce_mixup/epoch_180.pth'
# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the per-class scales and the loss's class
# counts.
partial_load_keys = ['head.scales', 'head.loss_module']

model = dict(
    head=dict(
        type='lt_mm.LWSClsHead',
        loss=dict(
            type='lt_mm.LabelAwareSmoothingLoss',
            num_classes=1000,
            eps_head=0.3,
            eps_tail=0.0,
            shape='concave')))

train_dataloader = dict(
    sampler=dict(
        _delete_=True, type='lt_mm.ClassAwareSampler', num_samples_cls=4))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(
        trainable=['head'],
        custom_keys={'head.fc': dict(lr_mult=0.05)}))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
# the frozen backbone follows the runner's train mode (its BatchNorm
# statistics shift to the re-sampled batches)
default_hooks = dict(frozen_modules=dict(mode='train'))
