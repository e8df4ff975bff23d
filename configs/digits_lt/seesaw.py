# Seesaw loss (p 0.8, q 2.0) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_seesaw.py.
_base_ = './ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClsSeesawLoss', num_classes=10, p=0.8, q=2.0)))
