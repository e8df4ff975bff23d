# Equilibrium loss of LOCE on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_equilibrium.py.
_base_ = './ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClsEquilibriumLoss',
            num_classes=10,
            momentum=0.9,
            init_score=0.01)))
