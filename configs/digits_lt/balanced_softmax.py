# Balanced Softmax on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_balanced_softmax.py.
_base_ = './ce.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.BalancedSoftmaxLoss', num_classes=10)))
