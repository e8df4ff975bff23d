# Cross-entropy baseline on CIFAR-100-LT (imbalance 100), ResNet-32, the
# LDAM-DRW 200-epoch schedule. Published top-1: 38.3 (Cao et al., NeurIPS
# 2019, Table 2, "ERM").
_base_ = [
    '../_base_/models/resnet32_cifar.py',
    '../_base_/datasets/cifar100_lt.py',
    '../_base_/schedules/cifar_lt_200e.py',
    '../_base_/cls_runtime.py',
]
