# Class-balanced softmax (beta 0.9999) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_cb_softmax.py.
_base_ = './ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=10,
            beta=0.9999,
            loss_type='softmax')))
