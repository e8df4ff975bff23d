# Balanced Group Softmax (BAGS) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_bags.py, from the ce.py checkpoint with cRT's
# schedule. The groups are the digits' few / medium / many-shot split
# (< 10, 10-40, > 40 images: 4 / 3 / 3 digits).
_base_ = './crt.py'

# instance-balanced sampling: the grouping is what re-balances
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
            num_classes=10,
            bins=(10, 41),
            others_ratio=8.0)))

# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the classifier of 10 + 3 outputs
# and the loss's class counts and groups.
partial_load_keys = ['head.fc', 'head.loss_module']
