# Nearest class mean classifier on long-tailed digits (no training): the CPU
# demo of configs/cifar100_lt/resnet32_ncm.py:
#   python tools/test.py configs/digits_lt/ncm.py work_dirs/ce/epoch_20.pth
_base_ = './ce.py'

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
