# CMO with Balanced Softmax on long-tailed digits (the CMO authors' BS +
# CMO): the CPU demo of configs/cifar100_lt/resnet32_bs_cmo.py.
_base_ = './cmo.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.BalancedSoftmaxLoss', num_classes=10)))
