# Weight balancing, stage 2 (Alshammari et al., CVPR 2022) on CIFAR-100-LT:
# from resnet34_wb_stage1.py, only the classifier (weight and bias) trains,
# 10 epochs, with the class-balanced loss of their code (binary
# cross-entropy on softmax probabilities, beta 0.9999:
# lt_mm.ClassBalancedSoftmaxBCELoss), SGD lr 0.01, momentum 0.9, weight
# decay 0.1, cosine decay to 0, batch 64 on instance-balanced batches, and
# the MaxNorm constraint: radius min + 0.1 (max - min) of the classifier
# rows' norms when the stage starts, rows projected after every epoch, bias
# free (ShadeAlsha/LTR-weight-balancing, demo2_second-stage-training
# In[30]-In[34]; utils/regularizers.py; utils/trainval.py). The frozen
# backbone stays in train mode, as their model.train(): its BatchNorm
# statistics keep following the batches. Published top-1 53.35 (paper,
# Table 1); their notebook prints 53.1.
_base_ = './resnet34_wb_stage1.py'

load_from = 'work_dirs/resnet34_wb_stage1/epoch_320.pth'
# the loss's class counts come from lt_mm.ClassStatisticsHook, not stage 1
partial_load_keys = ['head.loss_module']

model = dict(
    head=dict(
        loss=dict(type='lt_mm.ClassBalancedSoftmaxBCELoss', num_classes=100)))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.1),
    paramwise_cfg=dict(trainable=['head.fc']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=1)
default_hooks = dict(frozen_modules=dict(mode='train'))

custom_hooks = [dict(type='lt_mm.MaxNormHook', module='head.fc', thresh=0.1)]
