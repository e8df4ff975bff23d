# Seesaw loss (Wang et al., CVPR 2021), p 0.8, q 2.0, on CIFAR-100-LT
# (imbalance 100), ResNet-32, 200 epochs. The cumulative class counts are
# a buffer of the loss, all-reduced across GPUs.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClsSeesawLoss', num_classes=100, p=0.8, q=2.0)))
