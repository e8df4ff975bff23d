# Balanced Group Softmax (BAGS; Li et al., "Overcoming Classifier Imbalance
# for Long-tail Object Detection with Balanced Group Softmax", CVPR 2020) on
# CIFAR-100-LT (imbalance 100), decoupled as the paper trains it on LVIS
# (configs/lvis/bags_mask_rcnn_r50.py): the softmax baseline is loaded and
# only the new group-softmax classifier is trained, here from the
# cross-entropy model (resnet32_ce.py) with the backbone frozen (BatchNorm
# statistics included).
# The classes form three groups by training images, the few / medium /
# many-shot split (< 20, 20-100, > 100: 30 / 35 / 35 classes), each with an
# extra "others" logit; "others" subsampled 8:1 (the paper's ratio).
# Sampling stays instance-balanced: the grouping is what re-balances. The
# paper publishes no classification setting or number; the schedule is the
# cRT stage's (resnet32_crt.py: 10 epochs, lr 0.1, cosine decay), from
# which this config inherits; the classifier (100 + 3 outputs) does not fit
# the CE checkpoint's and is trained from a fresh initialisation.
_base_ = './resnet32_crt.py'

train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
# the frozen backbone keeps its BatchNorm statistics (eval mode), as in
# BAGS's detection recipe; cRT's stage lets them shift instead
default_hooks = dict(frozen_modules=dict(mode='eval'))

model = dict(
    head=dict(
        type='lt_mm.GroupSoftmaxClsHead',
        loss=dict(
            _delete_=True,
            type='lt_mm.ClsGroupSoftmaxLoss',
            num_classes=100,
            bins=(20, 101),
            others_ratio=8.0)))

# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the classifier of 100 + 3
# outputs and the loss's class counts and groups.
partial_load_keys = ['head.fc', 'head.loss_module']
