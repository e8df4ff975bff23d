# First stage of MiSLAS (Zhong et al., CVPR 2021): cross-entropy with mixup
# (alpha 1) on CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs.
# resnet32_las.py re-trains its classifier with label-aware smoothing.
_base_ = './resnet32_ce.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)))
