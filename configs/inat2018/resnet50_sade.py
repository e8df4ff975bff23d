# SADE (Zhang et al., NeurIPS 2022), training stage, on iNaturalist 2018:
# ResNet-50 from scratch, stem and stages 1-2 shared, three experts of
# stages 3-4 at widths 192 / 384 (reduce_dimension: 1536 channels) with
# cosine classifiers of scale 30; softmax CE, balanced softmax and the
# inverse-prior loss (tau 1), summed (lt_mm.SADELoss). The authors' recipe
# (Vanint/SADE-AgnosticLT, configs/config_iNaturalist_resnet50_sade.json,
# data_loader/inaturalist_data_loaders.py L78-L89, train.py L23-L46): 100
# epochs, batch 512, SGD lr 0.2, momentum 0.9, Nesterov, weight decay 2e-4,
# lr * (epoch + 1) / 5 in epochs 0-4, x0.1 at epoch 60 and x0.01 at 80;
# random resized crop and flip (../_base_/datasets/inaturalist2018.py).
# Published top-1 72.9 (authors' README, uniform test set) with the
# test-time aggregation of resnet50_sade_test_time.py.
_base_ = './resnet50_ce.py'

# a ResNeXt of one group of 64 channels per 64 is the plain ResNet-50
model = dict(
    backbone=dict(
        _delete_=True,
        type='lt_mm.MultiExpertResNeXt',
        depth=50,
        num_experts=3,
        expert_channels=(192, 384),
        groups=1,
        width_per_group=64),
    head=dict(
        _delete_=True,
        type='lt_mm.SADEClsHead',
        num_classes=8142,
        in_channels=1536,
        num_experts=3,
        scale=30.0,
        loss=dict(type='lt_mm.SADELoss', num_classes=8142, tau=1.0)))

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.2, momentum=0.9, weight_decay=2e-4, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80], gamma=0.1),
]
train_cfg = dict(max_epochs=100)
