# Class-balanced softmax cross-entropy (Cui et al., CVPR 2019), beta 0.9999,
# on CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=100,
            beta=0.9999,
            loss_type='softmax')))
