# ../mask_rcnn_classifier.py on the hard demo set: the hard baseline's
# classifier fine-tuned alone with random sampling for 3 epochs; the base of
# the decoupled hard configs.
# Train the baseline first: python tools/train.py configs/demo/hard/mask_rcnn.py
# --work-dir work_dirs/demo/hard/mask_rcnn (tools/analysis/study.py passes
# each seed's baseline checkpoint as load_from instead).
_base_ = './mask_rcnn.py'

train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))

load_from = 'work_dirs/demo/hard/mask_rcnn/epoch_2.pth'
optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    paramwise_cfg=dict(trainable=['roi_head.bbox_head.fc_cls']))
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
