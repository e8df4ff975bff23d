# Post-hoc logit adjustment (tau 1) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_posthoc_la.py.
_base_ = './ce.py'

model = dict(
    head=dict(type='lt_mm.LogitAdjustedClsHead', num_classes=10, tau=1.0))
