# CMO (Park et al., CVPR 2022) with cross-entropy on ImageNet-LT, ResNeXt-50
# from scratch, the cross-entropy baseline's 90-epoch recipe
# (resnext50_ce.py) with 256 pairs a step (an instance-sampled background
# and a class-balanced minority image each: batch_size counts the 512
# items). CMO is on for half of the batches of epochs 4-86: the authors'
# 3 < epoch < epochs - 3 (imagenet_train.py L320-L321), for 90 epochs.
# The authors publish ImageNet-LT only for BS + CMO (resnext50_bs_cmo.py).
_base_ = './resnext50_ce.py'

data_preprocessor = dict(
    type='lt_mm.CMODataPreprocessor', begin=4, end=87, prob=0.5, beta=1.0)

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
        paired_sampler=dict(type='lt_mm.ClassBalancedSampler')))
auto_scale_lr = dict(base_batch_size=512)
