# SimCal (Wang et al., "The Devil is in Classification: A Simple Framework
# for Long-tail Instance Segmentation", ECCV 2020): the trained baseline
# (mask_rcnn_r50.py) is frozen and a calibration head (2 FC + classifier,
# initialised from its box head) learns on its RoI features from bi-level
# sampled episodes: 16 classes drawn uniformly with replacement, one image
# containing each (an episode is the total batch of 16 = 8 GPUs x 2, trained
# as the authors' one-process episode: background RoIs balanced against and
# the loss averaged over the whole episode), positive RoIs of the drawn class
# plus as many background RoIs, plain cross-entropy. Images at the single
# scale 1333x800 with random flips, as in the authors' calibration config
# (twangnh/SimCal, configs/simcal/calibration/
# mask_rcnn_r50_fpn_1x_lvis_agnostic.py L132-L135), not the baseline's
# multi-scale. One epoch is 1000 episodes; 12 epochs at lr 0.01, x0.1 at
# epoch 8 and x0.01 at epoch 11 (the authors' plain SGD). At test time
# classes with < 100 training instances take the calibrated head's scores.
# Published (LVIS v0.5, R50-FPN Mask R-CNN): mask AP 23.4 (APr 16.4 /
# APc 22.5 / APf 27.2) over a 20.7 baseline.
_base_ = './mask_rcnn_r50.py'

model = dict(
    roi_head=dict(
        type='lt_mm.SimCalRoIHead',
        instance_threshold=100,
        init_from_bbox_head=True))

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(
    batch_size=2,
    batch_sampler=None,  # the episodes decide the batches
    sampler=dict(
        _delete_=True,
        type='lt_mm.BiLevelSampler',
        classes_per_episode=16,
        images_per_class=1,
        episodes_per_epoch=1000),
    dataset=dict(
        _delete_=True,
        type='lt_mm.SampledClassDataset',
        dataset=dict(
            type='lt_mm.LVISDataset',
            data_root={{_base_.data_root}},
            ann_file='annotations/lvis_v1_train.json',
            data_prefix=dict(img=''),
            filter_cfg=dict(filter_empty_gt=True, min_size=32),
            pipeline=train_pipeline,
            backend_args=None)))

# The first stage: the baseline's last checkpoint.
load_from = 'work_dirs/mask_rcnn_r50/epoch_24.pth'
# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the calibration head (copied
# from the box head before its first step) and its class counts with their
# flag.
partial_load_keys = [
    'roi_head.calibration_head',
    'roi_head.calibrated',
    'roi_head.instance_counts',
    'roi_head.has_statistics',
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.0, weight_decay=0.0),
    paramwise_cfg=dict(trainable=['roi_head.calibration_head']))

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[8, 11],
        gamma=0.1)
]
