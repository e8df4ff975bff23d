# Weight balancing, stage 2 (Alshammari et al., CVPR 2022) on ImageNet-LT:
# the authors' CIFAR stage 2 (configs/cifar100_lt/resnet34_wb_stage2.py;
# they publish no ImageNet-LT code) on resnext50_wb_stage1.py: only the
# classifier trains, 10 epochs of their class-balanced softmax BCE (beta
# 0.9999), SGD lr 0.01, momentum 0.9, weight decay 0.1, cosine decay to 0,
# MaxNorm with the radius min + 0.1 (max - min) of the classifier rows'
# norms at the start, rows projected after every epoch; the frozen backbone
# in train mode, as their model.train().
_base_ = './resnext50_wb_stage1.py'

load_from = 'work_dirs/resnext50_wb_stage1/epoch_90.pth'
# the loss's class counts come from lt_mm.ClassStatisticsHook, not stage 1
partial_load_keys = ['head.loss_module']

model = dict(
    head=dict(
        loss=dict(type='lt_mm.ClassBalancedSoftmaxBCELoss', num_classes=1000)))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.1),
    paramwise_cfg=dict(trainable=['head.fc']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
default_hooks = dict(frozen_modules=dict(mode='train'))

custom_hooks = [dict(type='lt_mm.MaxNormHook', module='head.fc', thresh=0.1)]
