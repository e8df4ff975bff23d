# Weight balancing, stage 2 (Alshammari et al., CVPR 2022) on long-tailed
# digits: the CPU demo of configs/cifar100_lt/resnet34_wb_stage2.py, from
# the wb_stage1.py checkpoint. Only the classifier (weight and bias) trains,
# 10 epochs of the authors' class-balanced softmax BCE (beta 0.9999), SGD lr
# 0.01, momentum 0.9, weight decay 0.1, cosine decay to 0, and the MaxNorm
# radius (thresh 0.1) set at the start and applied after every epoch; the
# frozen backbone in train mode, as the authors' model.train().
_base_ = './wb_stage1.py'

load_from = 'work_dirs/wb_stage1/epoch_20.pth'
# the loss's class counts come from lt_mm.ClassStatisticsHook, not stage 1
partial_load_keys = ['head.loss_module']

model = dict(
    head=dict(
        loss=dict(type='lt_mm.ClassBalancedSoftmaxBCELoss', num_classes=10)))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.1),
    paramwise_cfg=dict(trainable=['head.fc']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
default_hooks = dict(
    checkpoint=dict(interval=10), frozen_modules=dict(mode='train'))

custom_hooks = [dict(type='lt_mm.MaxNormHook', module='head.fc', thresh=0.1)]
