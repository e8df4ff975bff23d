# SADE (Zhang et al., NeurIPS 2022), training stage, on CIFAR-100-LT
# (imbalance 100): ResNet-32 with a shared stem and first stage and three
# experts of stages 2-3 at widths 24 / 48 (reduce_dimension), each with a
# cosine classifier of scale 30 (use_norm); expert 1 trained with softmax
# CE, expert 2 with balanced softmax, expert 3 with the inverse-prior loss
# (tau 2), summed (lt_mm.SADELoss). The authors' recipe
# (Vanint/SADE-AgnosticLT, configs/config_cifar100_ir100_sade.json,
# data_loader/cifar_data_loaders.py L92-L98, train.py L23-L46): 200 epochs,
# batch 128, SGD lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4, lr *
# (epoch + 1) / 5 in epochs 0-4, x0.1 at epoch 160 and x0.01 at 180; random
# crop (padding 4), flip and a rotation uniform in [-15, 15] degrees.
# Tested with the experts' mean, as the authors' test.py; published top-1
# 49.8 (authors' README, uniform test distribution) is with the test-time
# aggregation of resnet32_sade_test_time.py:
#   python tools/train.py configs/cifar100_lt/resnet32_sade.py
#   python tools/test.py configs/cifar100_lt/resnet32_sade_test_time.py \
#       work_dirs/resnet32_sade/epoch_200.pth
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
        type='lt_mm.SADEClsHead',
        num_classes=100,
        in_channels=48,
        num_experts=3,
        scale=30.0,
        loss=dict(type='lt_mm.SADELoss', num_classes=100, tau=2.0)))

# torchvision's RandomRotation(15): an angle uniform in [-15, 15], nearest
# neighbour, zero fill (magnitude uniform in [0, 15], then a random sign)
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='Rotate',
        magnitude_range=(0, 15),
        magnitude_level=10,
        total_level=10,
        magnitude_std='inf',
        random_negative_prob=0.5,
        prob=1.0,
        pad_val=0,
        interpolation='nearest'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestones=[160, 180], gamma=0.1),
]
