# Class-balanced sigmoid cross-entropy (Cui et al., CVPR 2019), beta 0.9999,
# on CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs. As in the paper,
# the classifier bias starts at -log((1 - pi) / pi), pi = 0.1, so the
# sigmoids start small.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=100,
            beta=0.9999,
            loss_type='sigmoid'),
        init_cfg=dict(
            type='Kaiming',
            layer='Linear',
            mode='fan_in',
            distribution='normal',
            bias_prob=0.1)))
