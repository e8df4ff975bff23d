# mmdet's LVIS v1 instance segmentation data, laid out as
#   data/lvis_v1/annotations/lvis_v1_{train,val}.json
#   data/lvis_v1/{train2017,val2017}/*.jpg     (the COCO 2017 images)
# with lt_mm's dataset and metric in place of mmdet's.
_base_ = 'mmdet::_base_/datasets/lvis_v1_instance.py'

# mmdet's LVISV1Dataset that also keeps the categories' frequency and counts
# (for lt_mm.ClassStatisticsHook) and takes its classes from the file.
dataset_type = 'lt_mm.LVISDataset'

# Not wrapped in mmdet's ClassBalancedDataset (oversample_thr=1e-3): each
# config chooses its sampling with the sampler (lt_mm.RepeatFactorSampler
# for repeat factors), so the dataset is the plain LVIS v1 training set.
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root={{_base_.data_root}},
        ann_file='annotations/lvis_v1_train.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline={{_base_.train_pipeline}},
        backend_args={{_base_.backend_args}}))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = val_dataloader

# lt_mm.LVISMetric: lvis-api's figures (plus AR@300) on the images actually
# evaluated, several times faster; per_class_prefix=... writes per-class AP.
val_evaluator = dict(type='lt_mm.LVISMetric')
test_evaluator = val_evaluator
