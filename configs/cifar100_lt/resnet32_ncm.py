# Nearest class mean classifier (NCM; Kang et al., ICLR 2020) on
# CIFAR-100-LT (imbalance 100): no training; lt_mm.NCMHook runs the
# cross-entropy checkpoint over the training set (test pipeline) before
# testing, centres its features by their mean and L2-normalises them, and
# averages them per class; a sample takes the class of the nearest mean in
# Euclidean distance (the authors' default, feat_type 'cl2n' and dist_type
# 'l2': classifier-balancing, models/KNNClassifier.py):
#   python tools/test.py configs/cifar100_lt/resnet32_ncm.py \
#       work_dirs/resnet32_ce/epoch_200.pth
_base_ = './resnet32_ce.py'

# the head keeps the base's num_classes and in_channels; its loss is unused
model = dict(head=dict(type='lt_mm.NCMClsHead'))

custom_hooks = [dict(type='lt_mm.NCMHook')]

# The checkpoint tools/test.py is given is the cross-entropy model's: the
# head has no classifier of its own and computes its class means before
# testing (lt_mm.engine.runner).
partial_load_keys = [
    'head.fc',
    'head.feature_mean',
    'head.feature_sums',
    'head.feature_counts',
]
