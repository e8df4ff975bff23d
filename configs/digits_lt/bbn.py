# BBN (Zhou et al., CVPR 2020) on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_bbn.py. The demo ResNet's last block is
# split into the conventional and the re-balancing branch; each step takes
# 32 uniformly sampled and 32 reversed-sampled images (a batch of 64 items)
# and mixes the branches with alpha = 1 - (epoch / 20)^2.
_base_ = './ce.py'

model = dict(
    type='lt_mm.BBNClassifier',
    backbone=dict(
        _delete_=True,
        type='lt_mm.BBNBackbone',
        backbone={{_base_.model.backbone}}),
    # both branches' 32 channels
    head=dict(type='lt_mm.BBNClsHead', in_channels=64))

train_dataloader = dict(
    batch_size=64,  # items: 32 pairs
    dataset=dict(
        _delete_=True,
        type='lt_mm.PairedDataset',
        dataset={{_base_.train_dataset}}),
    sampler=dict(
        _delete_=True,
        type='lt_mm.PairedSampler',
        sampler=dict(type='DefaultSampler', shuffle=True),
        paired_sampler=dict(type='lt_mm.ReversedSampler')))
