# RIDE (Wang et al., ICLR 2021) on CIFAR-100-LT (imbalance 100), ResNet-32
# with 3 experts, the authors' recipe (frank-xwang/RIDE-LongTailRecognition,
# configs/config_imbalance_cifar100_ride.json): stem and stage 1 shared, each
# expert its own stages 2-3 at widths 24 / 48 and a cosine classifier
# (s = 30); LDAM on every expert plus the diversity KL (factor -0.45);
# class-balanced weights and per-class temperatures from epoch 160
# (0-indexed; their reweight_epoch 160 with 1-indexed epochs); 200 epochs,
# batch 128, nesterov SGD lr 0.1, weight decay 5e-4, 5-epoch linear warm-up,
# lr x0.01 at epochs 160 and 180. Published top-1 48.6 (many / medium / few
# 67.0 / 49.9 / 25.7; their MODEL_ZOO.md, 3 experts, no distillation, the
# model after the router stage configs/cifar100_lt/resnet32_ride_router.py).
_base_ = './resnet32_ce.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='lt_mm.MultiExpertCIFARResNet',
        depth=32,
        num_experts=3,
        expert_channels=(24, 48)),
    head=dict(
        _delete_=True,
        type='lt_mm.MultiExpertClsHead',
        num_classes=100,
        in_channels=48,
        num_experts=3,
        cosine=True,
        scale=30.0,
        loss=dict(
            type='lt_mm.RIDELoss',
            num_classes=100,
            diversity_factor=-0.45,
            reweight_factor=0.05,
            max_m=0.5,
            scale=30.0)))

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))

custom_hooks = [dict(type='lt_mm.DRWHook', start_epoch=160, beta=0.9999)]
