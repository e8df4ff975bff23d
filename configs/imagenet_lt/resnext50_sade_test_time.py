# SADE's test-time self-supervised aggregation on ImageNet-LT: tests the
# checkpoint of resnext50_sade.py after learning the experts' aggregation
# weights on the unlabelled test images (lt_mm.TestTimeAggregationHook):
# SGD lr 0.025, momentum 0.9, Nesterov, weight decay 5e-4, batch 128,
# weights from 1/3, at most 5 passes (Vanint/SADE-AgnosticLT,
# test_training_imagenet.py L173-L200, L286-L299,
# configs/test_time_imagenet_lt_resnext50_sade.json). Published top-1 58.8
# (authors' README, uniform test set).
#   python tools/test.py configs/imagenet_lt/resnext50_sade_test_time.py \
#       work_dirs/resnext50_sade/epoch_180.pth
_base_ = './resnext50_sade.py'

# The authors' views (test_training_imagenet.py L177-L187): random resized
# crop (scale 0.2-1), colour jitter 0.4 (p 0.8), grayscale (p 0.2), Gaussian
# blur of radius uniform in [0.1, 2] (p 0.5), flip. Without their hue 0.1:
# under numpy 2 mmcv's hue adjustment overflows for negative hue factors.
view = [
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.0)),
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
    # torchvision's luma weights on the BGR images LoadImageFromFile reads
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.299)),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.1, 2.0),
        magnitude_level=10,
        total_level=10,
        magnitude_std='inf',
        prob=0.5),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]

custom_hooks = [
    dict(
        type='lt_mm.TestTimeAggregationHook',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='MultiView', num_views=2, transforms=[view]),
            dict(type='PackInputs'),
        ],
        batch_size=128,
        max_epochs=5,
        lr=0.025,
        momentum=0.9,
        weight_decay=5e-4,
        nesterov=True)
]
