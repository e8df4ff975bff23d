# Softmax focal loss (Lin et al., ICCV 2017), gamma 1, on CIFAR-100-LT
# (imbalance 100), ResNet-32, 200 epochs. Published top-1: 38.4 (Cao et al.,
# NeurIPS 2019, Table 2).
_base_ = './resnet32_ce.py'

model = dict(head=dict(loss=dict(type='lt_mm.SoftmaxFocalLoss', gamma=1.0)))
