# Cross-entropy with mixup (alpha 1) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_ce_mixup.py (MiSLAS' first stage).
_base_ = './ce.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)))
