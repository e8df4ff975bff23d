# Balanced Softmax (Ren et al., NeurIPS 2020): CE(z + log n), on CIFAR-100-LT
# (imbalance 100), ResNet-32, 200 epochs. Published top-1: 46.1 (as reported
# by the SADE paper, Zhang et al., NeurIPS 2022). The class counts come from
# lt_mm.ClassStatisticsHook.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.BalancedSoftmaxLoss', num_classes=100)))
