# RIDE (Wang et al., ICLR 2021) on ImageNet-LT, ResNeXt-50 (32x4d) from
# scratch with 3 experts, the authors' recipe (frank-xwang/
# RIDE-LongTailRecognition, configs/config_imagenet_lt_resnext50_ride.json):
# stem and stages 1-2 shared, each expert its own stages 3-4 at widths
# 192 / 384 (x4 expansion: 1536 channels) and a cosine classifier (s = 30);
# LDAM on every expert plus the diversity KL at the class default factor
# -0.2 (the json does not set it), per-class temperatures with
# reweight_factor 0.02; class-balanced weights and temperatures from epoch 80
# (0-indexed); 100 epochs, batch 256, nesterov SGD lr 0.1, weight decay 2e-4,
# 5-epoch linear warm-up, lr x0.1 at epochs 60 and 80. Published top-1 55.7
# (many / medium / few 67.0 / 52.2 / 36.0; their MODEL_ZOO.md, 3 experts,
# with the expert router: configs/imagenet_lt/resnext50_ride_router.py).
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
        type='lt_mm.MultiExpertClsHead',
        num_classes=1000,
        in_channels=1536,
        num_experts=3,
        cosine=True,
        scale=30.0,
        loss=dict(
            type='lt_mm.RIDELoss',
            num_classes=1000,
            diversity_factor=-0.2,
            reweight_factor=0.02,
            max_m=0.5,
            scale=30.0)))

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=2e-4, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80], gamma=0.1),
]
train_cfg = dict(max_epochs=100)

custom_hooks = [dict(type='lt_mm.DRWHook', start_epoch=80, beta=0.9999)]
