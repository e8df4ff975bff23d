# LOCE (Feng et al., "Exploring Classification Equilibrium in Long-Tailed
# Object Detection", ICCV 2021), the published LVIS v1 R50 setting: the first
# stage (./loce_mask_rcnn_r50_stage1.py, Mask R-CNN 2x without repeat factor
# sampling) is fine-tuned for 6 epochs (lr steps at 3 and 5) with the
# equilibrium loss and memory-augmented feature sampling (queues of 80
# features per class, 8 classes x 4 features per step). As in the authors'
# code, only the RPN, the box classifier and regressor and the mask head
# train. Published: mask AP 26.6, box AP 27.4.
#
#   python tools/train.py configs/lvis/loce_mask_rcnn_r50_stage1.py
#   python tools/train.py configs/lvis/loce_mask_rcnn_r50.py
_base_ = './loce_mask_rcnn_r50_stage1.py'

model = dict(
    roi_head=dict(
        type='lt_mm.LOCERoIHead',
        queue_size=80,
        sampled_classes=8,
        sampled_features=4,
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.EquilibriumLoss',
                num_classes=1203,
                loss_weight=1.0))))

load_from = 'work_dirs/loce_mask_rcnn_r50_stage1/epoch_24.pth'
# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the mean classification scores.
partial_load_keys = ['roi_head.mean_score']
optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    paramwise_cfg=dict(trainable=[
        'rpn_head', 'roi_head.bbox_head.fc_cls', 'roi_head.bbox_head.fc_reg',
        'roi_head.mask_head'
    ]))
# the frozen parameters receive no gradients
find_unused_parameters = True

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[3, 5],
        gamma=0.1)
]
# Before the first step a class-balanced pass (5 images of every class per
# GPU, queue_size // 16 as in the authors' code) fills every class's queue
# and warms the mean scores, as the authors' initialiser does.
custom_hooks = [dict(type='lt_mm.FeatureMemoryInitHook')]
