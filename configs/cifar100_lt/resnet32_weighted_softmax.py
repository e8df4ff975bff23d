# Re-weighted softmax cross-entropy, w_y ~ 1 / n_y (normalised to sum C), on
# CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs. The class counts come
# from lt_mm.ClassStatisticsHook (a default hook of the runtime base).
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.WeightedSoftmaxLoss', num_classes=100)))
