# SADE's test-time self-supervised aggregation on iNaturalist 2018: tests
# the checkpoint of resnet50_sade.py after learning the experts'
# aggregation weights on the unlabelled test images
# (lt_mm.TestTimeAggregationHook): SGD lr 0.2, momentum 0.9, Nesterov,
# weight decay 2e-4, batch 128, weights from 1/3, at most 5 passes
# (Vanint/SADE-AgnosticLT, test_training_inat.py L174-L199, L300-L311,
# configs/test_time_iNaturalist_resnet50_sade.json). Published top-1 72.9
# (authors' README, uniform test set).
#   python tools/test.py configs/inat2018/resnet50_sade_test_time.py \
#       work_dirs/resnet50_sade/epoch_100.pth
_base_ = './resnet50_sade.py'

# The authors' views (test_training_inat.py L176-L186): random resized crop
# (scale 0.08-1), colour jitter 0.4 (p 0.8), grayscale (p 0.2), Gaussian
# blur of radius uniform in [0.1, 2] (p 0.5), flip. Without their hue 0.1:
# under numpy 2 mmcv's hue adjustment overflows for negative hue factors.
view = [
    dict(type='RandomResizedCrop', scale=224),
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
        lr=0.2,
        momentum=0.9,
        weight_decay=2e-4,
        nesterov=True)
]
