# Decoupled second stage (Kang et al., ICLR 2020): the baseline
# (mask_rcnn_r50.py, trained first) is loaded and only its classifier is
# trained, here with plain softmax cross-entropy and random sampling for 12
# epochs at lr 0.02. It is the control for, and the base of, the decoupled
# methods (ACSL, BAGS), which swap the classifier's loss.
_base_ = [
    '../_base_/models/mask_rcnn_r50_fpn.py',
    '../_base_/datasets/lvis_v1_instance.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]

# The first stage: the baseline's last checkpoint. A classifier of another
# shape (BAGS) keeps its fresh initialisation.
load_from = 'work_dirs/mask_rcnn_r50/epoch_24.pth'
optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    paramwise_cfg=dict(trainable=['roi_head.bbox_head.fc_cls']))
# the frozen parameters receive no gradients
find_unused_parameters = True
