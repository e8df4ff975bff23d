# Softmax focal loss (gamma 1) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_focal.py.
_base_ = './ce.py'

model = dict(head=dict(loss=dict(type='lt_mm.SoftmaxFocalLoss', gamma=1.0)))
