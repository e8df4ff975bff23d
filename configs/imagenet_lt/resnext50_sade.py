# SADE (Zhang et al., NeurIPS 2022), training stage, on ImageNet-LT:
# ResNeXt-50 (32x4d) from scratch, stem and stages 1-2 shared, three experts
# of stages 3-4 at widths 192 / 384 (reduce_dimension: 1536 channels) with
# cosine classifiers of scale 30; softmax CE, balanced softmax and the
# inverse-prior loss (tau 2), summed (lt_mm.SADELoss). The authors' recipe
# (Vanint/SADE-AgnosticLT, configs/config_imagenet_lt_resnext50_sade.json,
# data_loader/imagenet_lt_data_loaders.py L79-L90): 180 epochs, batch 64,
# SGD lr 0.025, momentum 0.9, Nesterov, weight decay 5e-4, cosine decay to
# 0 (stepped each epoch), random resized crop, flip, colour jitter 0.4
# (../_base_/datasets/imagenet_lt.py). Published top-1 58.8 (authors'
# README, uniform test set) with the test-time aggregation of
# resnext50_sade_test_time.py.
_base_ = './resnext50_ce.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='lt_mm.MultiExpertResNeXt',
        depth=50,
        num_experts=3,
        expert_channels=(192, 384)),
    head=dict(
        _delete_=True,
        type='lt_mm.SADEClsHead',
        num_classes=1000,
        in_channels=1536,
        num_experts=3,
        scale=30.0,
        loss=dict(type='lt_mm.SADELoss', num_classes=1000, tau=2.0)))

train_dataloader = dict(batch_size=64)

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.025, momentum=0.9, weight_decay=5e-4,
        nesterov=True))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=180, eta_min=0),
]
train_cfg = dict(max_epochs=180)

# lr 0.025 is for a total batch of 64 (--auto-scale-lr rescales it).
auto_scale_lr = dict(base_batch_size=64)
