# ResNet-32 (He et al. 2016, CIFAR variant) with a linear classifier, as in
# the CIFAR-LT benchmarks (LDAM-DRW, BBN, RIDE). Trained from scratch.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='lt_mm.ResNet32'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        # LDAM-DRW initialises the classifier as its convolutions.
        init_cfg=dict(
            type='Kaiming', layer='Linear', mode='fan_in',
            distribution='normal')))
