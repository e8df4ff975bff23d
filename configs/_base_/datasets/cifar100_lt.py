# CIFAR-100-LT, imbalance ratio 100 (LDAM protocol: 10,847 training images),
# tested on the balanced CIFAR-100 test set. data_root holds
# cifar-100-python/ (the python version of CIFAR-100).
dataset_type = 'lt_mm.CIFAR100LT'
data_root = 'data/cifar100'

data_preprocessor = dict(
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    to_rgb=False)  # the CIFAR batches are RGB already

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    split='train',
    imbalance_ratio=100,
    pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=train_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=256,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader

# Many / medium / few-shot groups come from counting the training set, so
# `tools/test.py` needs no training. A config that changes the training set
# (data_root, imbalance_ratio) changes `val_evaluator.train_dataset` too.
val_evaluator = dict(type='lt_mm.ShotAccuracy', train_dataset=train_dataset)
test_evaluator = val_evaluator
