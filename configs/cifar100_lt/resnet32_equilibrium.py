# Equilibrium loss of LOCE (Feng et al., ICCV 2021) on CIFAR-100-LT
# (imbalance 100), ResNet-32, 200 epochs: CE(z + log m) with m the running
# mean score of each class (momentum 0.9, initial 0.01). LOCE's feature
# memory is a detection component and is not used here.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClsEquilibriumLoss',
            num_classes=100,
            momentum=0.9,
            init_score=0.01)))
