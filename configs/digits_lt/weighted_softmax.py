# Re-weighted softmax (w_y ~ 1 / n_y) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_weighted_softmax.py.
_base_ = './ce.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.WeightedSoftmaxLoss', num_classes=10)))
