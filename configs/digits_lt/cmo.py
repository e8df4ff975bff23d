# CMO (Park et al., CVPR 2022) with cross-entropy on long-tailed digits: the
# CPU demo of configs/cifar100_lt/resnet32_cmo.py. Each step takes 32
# instance-sampled backgrounds and 32 class-balanced minority images (a
# batch of 64 items); on half of the batches of epochs 1-18 of 20 (the
# authors' epochs 4-196 of 200, scaled) a CutMix box of the minority image
# is pasted onto its background.
_base_ = './ce.py'

data_preprocessor = dict(type='lt_mm.CMODataPreprocessor', begin=1, end=19)

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
        paired_sampler=dict(type='lt_mm.ClassBalancedSampler')))
