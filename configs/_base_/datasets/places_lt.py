# Places-LT (Liu et al., OLTR, CVPR 2019): 365 Places-365 classes, 62,500
# training images (4,980 to 5 a class), a balanced validation set of 7,300
# images (model selection) and the balanced 36,500-image test set. data_root
# is the Places-365 root (train/, val/ as in the OLTR / decoupling lists)
# holding Places_LT_{train,val,test}.txt from the OLTR release.
# Augmentation and normalisation of the decoupling code (classifier-balancing
# data/dataloader.py L35-L62, the 'default' ImageNet statistics).
dataset_type = 'lt_mm.PlacesLT'
data_root = 'data/places365'

data_preprocessor = dict(
    num_classes=365,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    # hue 0 in theirs; mmcv's hue adjustment overflows under numpy 2 anyway
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    split='train',
    pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=256,
    num_workers=8,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = dict(
    batch_size=256,
    num_workers=8,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))

# Many / medium / few-shot groups from the training list (> 100, 20-100,
# < 20 images), as OLTR and the decoupling paper report them.
val_evaluator = dict(type='lt_mm.ShotAccuracy', train_dataset=train_dataset)
test_evaluator = val_evaluator
