# Softmax equalization loss (Tan et al., CVPR 2020, Sec. 5) on CIFAR-100-LT
# (imbalance 100), ResNet-32, 200 epochs: classes with frequency below
# lambda = 0.005 are left out of other classes' denominators with
# probability gamma = 0.9.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.SoftmaxEQLLoss',
            num_classes=100,
            gamma=0.9,
            lambda_=0.005)))
