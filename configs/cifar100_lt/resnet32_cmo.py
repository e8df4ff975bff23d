# CMO (Park et al., CVPR 2022) with plain cross-entropy, the default of the
# authors' cifar_train.py (--loss_type CE --train_rule None --data_aug CMO),
# on CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs. Their schedule is
# the base's LDAM-DRW one (adjust_learning_rate: lr 0.1 after a 5-epoch
# warm-up, x0.01 after epoch 160, x0.0001 after 180; SGD momentum 0.9,
# weight decay 2e-4, batch 128). Each step takes 128 instance-sampled
# backgrounds and 128 class-balanced minority images (batch_size counts the
# 256 items); on half of the batches of epochs 4-196 a CutMix box of the
# minority image is pasted onto its background (lt_mm.CMODataPreprocessor).
# Published CIFAR-100-LT (imbalance 100) top-1: Park et al., Table 2
# ("CE + CMO"; the authors' README lists no CIFAR number).
_base_ = './resnet32_ce.py'

data_preprocessor = dict(
    type='lt_mm.CMODataPreprocessor', begin=4, end=197, prob=0.5, beta=1.0)

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
        paired_sampler=dict(type='lt_mm.ClassBalancedSampler')))
auto_scale_lr = dict(base_batch_size=256)
