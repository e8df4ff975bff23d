# Second stage of MiSLAS (Zhong et al., CVPR 2021) on CIFAR-100-LT
# (imbalance 100): from the mixup model (resnet32_ce_mixup.py), train the
# classifier and a learnable per-class scale for 10 epochs with label-aware
# smoothing (eps 0.4 head .. 0.1 tail, sine schedule) and class-balanced
# sampling, lr 0.1 with cosine decay. The backbone is frozen, BatchNorm
# included: MiSLAS' BatchNorm statistics shift is not part of this config.
# Published top-1 of MiSLAS: 47.0 (the paper, Table 4).
_base_ = './resnet32_ce.py'

load_from = 'work_dirs/resnet32_ce_mixup/epoch_200.pth'

model = dict(
    head=dict(
        type='lt_mm.LWSClsHead',
        loss=dict(
            type='lt_mm.LabelAwareSmoothingLoss',
            num_classes=100,
            eps_head=0.4,
            eps_tail=0.1,
            shape='concave')))

train_dataloader = dict(
    sampler=dict(_delete_=True, type='lt_mm.ClassBalancedSampler'))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=2e-4),
    paramwise_cfg=dict(trainable=['head']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
