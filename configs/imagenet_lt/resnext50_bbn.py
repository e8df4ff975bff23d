# BBN (Zhou et al., CVPR 2020) on ImageNet-LT, ResNeXt-50 from scratch, the
# cross-entropy baseline's 90-epoch recipe (resnext50_ce.py: lr 0.1 decayed
# linearly, weight decay 5e-4) with 256 pairs a step (a uniformly sampled
# and a reversed-sampled image each: batch_size counts the 512 items).
# ResNeXt-50's last bottleneck is split into the two branches (the authors'
# bbn_res50 does the same to ResNet-50, lib/backbone/resnet.py). For 90
# epochs the authors' cumulative-learning period is 100 (lib/core/
# combiner.py L16-L19): alpha = 1 - (epoch / 100)^2. Published ImageNet-LT
# top-1 (ResNeXt-50, 90 epochs, the official code): 41.2 (many / medium /
# few 40.0 / 43.3 / 40.8; Zhang et al., "Deep Long-Tailed Learning: A
# Survey", TPAMI 2023, Tables 4-5).
_base_ = './resnext50_ce.py'

model = dict(
    type='lt_mm.BBNClassifier',
    backbone=dict(
        _delete_=True,
        type='lt_mm.BBNBackbone',
        backbone={{_base_.model.backbone}}),
    # both branches' 2048 channels
    head=dict(type='lt_mm.BBNClsHead', in_channels=4096))

train_dataloader = dict(
    batch_size=512,  # items: 256 pairs
    dataset=dict(
        _delete_=True,
        type='lt_mm.PairedDataset',
        dataset={{_base_.train_dataset}}),
    sampler=dict(
        _delete_=True,
        type='lt_mm.PairedSampler',
        sampler=dict(type='DefaultSampler', shuffle=True),
        paired_sampler=dict(type='lt_mm.ReversedSampler')))
auto_scale_lr = dict(base_batch_size=512)
