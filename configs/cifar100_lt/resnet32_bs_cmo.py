# CMO with Balanced Softmax (the CMO authors' "BS + CMO": cifar_train.py
# --loss_type BS --data_aug CMO) on CIFAR-100-LT (imbalance 100), ResNet-32,
# 200 epochs, resnet32_cmo.py's recipe. Published top-1: Park et al., CVPR
# 2022, Table 2 ("BS + CMO"). The class counts come from
# lt_mm.ClassStatisticsHook.
_base_ = './resnet32_cmo.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.BalancedSoftmaxLoss', num_classes=100)))
