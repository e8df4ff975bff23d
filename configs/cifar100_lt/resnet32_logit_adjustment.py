# Logit-adjusted loss (Menon et al., ICLR 2021): CE(z + tau log pi), tau 1,
# on CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs. Published top-1:
# 43.9 (the paper, Table 2).
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        loss=dict(type='lt_mm.LogitAdjustmentLoss', num_classes=100,
                  tau=1.0)))
