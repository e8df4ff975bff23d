# configs/lvis/mask_rcnn_r50_classifier_1x.py on the demo data: the demo
# baseline's classifier fine-tuned alone with random sampling for 3 epochs;
# the base of the decoupled demo configs.
# Train the baseline first: python tools/demo.py configs/demo/mask_rcnn.py
_base_ = './mask_rcnn.py'

train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))

load_from = 'work_dirs/demo/mask_rcnn/epoch_5.pth'
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
