# SADE's test-time self-supervised aggregation (Zhang et al., NeurIPS 2022)
# on CIFAR-100-LT: tests the checkpoint of resnet32_sade.py after learning
# the three experts' aggregation weights on the unlabelled test images
# (lt_mm.TestTimeAggregationHook): prediction stability between two
# augmented views, SGD lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4,
# batch 128, weights from 1/3, at most 5 passes, stopping after a pass in
# which a rounded weight fell below 0.05 (Vanint/SADE-AgnosticLT,
# test_training_cifar.py L172-L231, L312-L386,
# configs/test_time_cifar100_ir100_sade.json). Published top-1 49.8
# (authors' README, CIFAR-100-LT imbalance 100, uniform test set).
#   python tools/test.py configs/cifar100_lt/resnet32_sade_test_time.py \
#       work_dirs/resnet32_sade/epoch_200.pth
_base_ = './resnet32_sade.py'

# The authors' views (test_training_cifar.py L179-L189): random crop, colour
# jitter 0.4 (p 0.8), grayscale (p 0.2), Gaussian blur of radius uniform in
# [0.1, 2] (p 0.2), flip. Their hue jitter 0.1 is left out: under numpy 2
# mmcv's hue adjustment overflows for negative hue factors.
view = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=0.4,
                contrast=0.4,
                saturation=0.4)
        ],
        prob=0.8),
    # torchvision's luma weights; the CIFAR arrays are RGB
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.299, 0.587, 0.114)),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.1, 2.0),
        magnitude_level=10,
        total_level=10,
        magnitude_std='inf',
        prob=0.2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]

custom_hooks = [
    dict(
        type='lt_mm.TestTimeAggregationHook',
        pipeline=[
            dict(type='MultiView', num_views=2, transforms=[view]),
            dict(type='PackInputs'),
        ],
        batch_size=128,
        max_epochs=5,
        lr=0.1,
        momentum=0.9,
        weight_decay=5e-4,
        nesterov=True)
]
