# Nearest class mean classifier (NCM; Kang et al., ICLR 2020) on
# CIFAR-100-LT (imbalance 100): no training; the cross-entropy checkpoint's
# features, L2-normalised, are averaged per class over the training set
# (test pipeline) by lt_mm.NCMHook before testing, and a sample takes the
# class of the nearest mean by cosine similarity:
#   python tools/test.py configs/cifar100_lt/resnet32_ncm.py \
#       work_dirs/resnet32_ce/epoch_200.pth
_base_ = './resnet32_ce.py'

# the head keeps the base's num_classes and in_channels; its loss is unused
model = dict(head=dict(type='lt_mm.NCMClsHead'))

custom_hooks = [
    dict(type='lt_mm.ClassStatisticsHook'),
    dict(type='lt_mm.NCMHook'),
]
