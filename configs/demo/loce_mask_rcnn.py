# configs/lvis/loce_mask_rcnn_r50.py on the demo data: the demo baseline is
# fine-tuned for 3 epochs with the equilibrium loss and memory-augmented
# feature sampling, training the RPN, the box classifier and regressor and
# the mask head, with random sampling. (The demo's first stage is the demo
# baseline, trained with repeat factors; LOCE's real first stage has none.)
# Train the baseline first: python tools/demo.py configs/demo/mask_rcnn.py
_base_ = './mask_rcnn.py'

model = dict(
    roi_head=dict(
        type='lt_mm.LOCERoIHead',
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.EquilibriumLoss',
                num_classes={{_base_.num_classes}}))))

train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='lt_mm.LVISDataset',
        data_root={{_base_.data_root}},
        ann_file='annotations/lvis_v1_train.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline={{_base_.train_pipeline}}))

load_from = 'work_dirs/demo/mask_rcnn/epoch_5.pth'
optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    paramwise_cfg=dict(trainable=[
        'rpn_head', 'roi_head.bbox_head.fc_cls', 'roi_head.bbox_head.fc_reg',
        'roi_head.mask_head'
    ]))
find_unused_parameters = True

max_epochs = 3
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[2],
        gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
custom_hooks = [
    dict(type='lt_mm.ClassStatisticsHook'),
    dict(type='lt_mm.FeatureMemoryInitHook')
]
