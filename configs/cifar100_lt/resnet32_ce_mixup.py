# First stage of MiSLAS (Zhong et al., CVPR 2021): cross-entropy with mixup
# (alpha 1) on CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs, SGD lr
# 0.1 (batch 128, weight decay 2e-4) after the 5-epoch linear warm-up, x0.1
# at epoch 160 and x0.01 at epoch 180: MiSLAS' own decay (train_stage1.py
# L440-L448, config/cifar100/cifar100_imb001_stage1_mixup.yaml), milder
# than LDAM-DRW's x0.01 / x0.0001 of the base schedule.
# resnet32_las.py re-trains its classifier with label-aware smoothing.
_base_ = './resnet32_ce.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestones=[160, 180], gamma=0.1),
]
