# iNaturalist 2018 (Van Horn et al., CVPR 2018) as a long-tailed benchmark:
# 8,142 species, 437,513 training images (1,000 to 2 a class); its balanced
# validation set (24,426 images, 3 a class) is the test set (Kang et al.,
# ICLR 2020). data_root holds train_val2018/ and the decoupling code's
# iNaturalist18_{train,val}.txt (classifier-balancing data/iNaturalist18/).
# Augmentation and normalisation of the decoupling code (classifier-balancing
# data/dataloader.py L23-L45: iNaturalist's own mean / std, no colour
# jitter).
dataset_type = 'lt_mm.INaturalist2018'
data_root = 'data/inaturalist2018'

data_preprocessor = dict(
    num_classes=8142,
    mean=[118.83, 120.105, 96.9],  # 255 x (0.466, 0.471, 0.380)
    std=[49.725, 49.47, 48.96],  # 255 x (0.195, 0.194, 0.192)
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
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
    batch_size=512,
    num_workers=12,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=256,
    num_workers=12,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader

# Many / medium / few-shot groups from the training list (> 100, 20-100,
# < 20 images).
val_evaluator = dict(type='lt_mm.ShotAccuracy', train_dataset=train_dataset)
test_evaluator = val_evaluator
