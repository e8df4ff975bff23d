# BBN (Zhou et al., CVPR 2020) on CIFAR-100-LT (imbalance 100), ResNet-32,
# the authors' recipe (Megvii-Nanjing/BBN, configs/cifar100.yaml and
# lib/utils/utils.py): 200 epochs, 128 pairs a step (a uniformly sampled and
# a reversed-sampled image each: batch_size counts the 256 items), SGD with
# Nesterov momentum 0.9, lr 0.1, weight decay 2e-4, a 5-epoch linear
# warm-up from lr / 3 (their WarmupMultiStepLR, stepped before each epoch:
# factors 7/15, 9/15, 11/15, 13/15, then 1), lr x0.01 from epoch 120 and
# again from epoch 160 (LR_FACTOR 0.01 is the gamma of each milestone:
# 1e-3, then 1e-5; their 1-indexed epochs 120 / 160 are our 119 / 159).
# Cumulative learning alpha = 1 - (epoch / 200)^2 (0-indexed epochs).
# Their yaml trains imbalance 50 (RATIO 0.02); the paper's imbalance-100
# result is 42.56 top-1 (Table 1).
_base_ = './resnet32_ce.py'

model = dict(
    type='lt_mm.BBNClassifier',
    backbone=dict(
        _delete_=True,
        type='lt_mm.BBNBackbone',
        backbone=dict(type='lt_mm.ResNet32')),
    # both branches' 64 channels
    head=dict(type='lt_mm.BBNClsHead', in_channels=128))

train_dataloader = dict(
    batch_size=256,  # items: 128 pairs
    dataset=dict(
        _delete_=True,
        type='lt_mm.PairedDataset',
        dataset={{_base_.train_dataset}}),
    sampler=dict(
        _delete_=True,
        type='lt_mm.PairedSampler',
        sampler=dict(type='DefaultSampler', shuffle=True),
        paired_sampler=dict(type='lt_mm.ReversedSampler')))

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=2e-4, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=7 / 15, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestones=[119, 159], gamma=0.01),
]
auto_scale_lr = dict(base_batch_size=256)
