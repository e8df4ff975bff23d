# Nearest class mean classifier (NCM; Kang et al., ICLR 2020) on
# ImageNet-LT: no training; lt_mm.NCMHook runs the cross-entropy checkpoint
# over the training set (test pipeline) before testing, centres and
# L2-normalises the features and averages them per class; a sample takes
# the class of the nearest mean (Euclidean; classifier-balancing,
# models/KNNClassifier.py, 'cl2n' / 'l2'):
#   python tools/test.py configs/imagenet_lt/resnext50_ncm.py \
#       work_dirs/resnext50_ce/epoch_90.pth
# Published top-1 47.3 (many / medium / few 56.6 / 45.3 / 28.1) after the
# authors' own 90-epoch first stage (classifier-balancing README,
# "ImageNet_LT, Classifier learning", "NCM").
_base_ = './resnext50_ce.py'

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
