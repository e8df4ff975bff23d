# Class-balanced sigmoid loss (Cui et al., CVPR 2019; beta 0.9999) on
# ImageNet-LT, ResNeXt-50 from scratch with the cross-entropy baseline's
# 90-epoch recipe (resnext50_ce.py). As in the authors' code
# (class-balanced-loss src/model_base.py L188-L197, src/cifar_main.py
# L348-L351) the classifier bias starts at the prior 1 / C (-log(C - 1))
# and is not decayed; the weights keep mmpretrain's Normal(0.01) init. The
# authors publish no ImageNet-LT recipe or number; the loss is swapped into
# the survey's recipe.
_base_ = './resnext50_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=1000,
            beta=0.9999,
            loss_type='sigmoid'),
        init_cfg=dict(
            type='Normal', layer='Linear', std=0.01, bias_prob=1 / 1000)))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'head.fc.bias': dict(decay_mult=0.0)}))
