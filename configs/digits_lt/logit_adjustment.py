# Logit-adjusted loss (tau 1) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_logit_adjustment.py.
_base_ = './ce.py'

model = dict(
    head=dict(
        loss=dict(type='lt_mm.LogitAdjustmentLoss', num_classes=10,
                  tau=1.0)))
