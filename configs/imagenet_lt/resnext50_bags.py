# Balanced Group Softmax (BAGS; Li et al., CVPR 2020) on ImageNet-LT,
# decoupled as the paper trains it on LVIS: from the cross-entropy model
# (resnext50_ce.py), only a new group-softmax classifier trains, the
# backbone frozen (BatchNorm statistics included). Groups at the few /
# medium / many-shot split (< 20, 20-100, > 100 training images), each with
# an extra "others" logit, "others" subsampled 8:1 (the paper's ratio);
# instance-balanced sampling. The paper publishes no classification setting
# or number; the schedule is the cRT stage's (resnext50_crt.py: 10 epochs,
# lr 0.1, cosine decay), as configs/cifar100_lt/resnet32_bags.py.
_base_ = './resnext50_crt.py'

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
            num_classes=1000,
            bins=(20, 101),
            others_ratio=8.0)))

# Keys this stage initialises itself (lt_mm.engine.runner): the (C + 3)-way
# classifier and the loss's class counts.
partial_load_keys = ['head.fc', 'head.loss_module']
