# Class-balanced (sigmoid) focal loss (Cui et al., CVPR 2019), beta 0.9999,
# gamma 1, on CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs. Published
# top-1: 39.6 (the paper's best CIFAR-100-LT result, Table 2). The classifier
# bias starts at -log((1 - pi) / pi), pi = 0.1, as in the paper.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=100,
            beta=0.9999,
            loss_type='focal',
            gamma=1.0),
        init_cfg=dict(
            type='Kaiming',
            layer='Linear',
            mode='fan_in',
            distribution='normal',
            bias_prob=0.1)))
