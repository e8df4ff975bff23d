# Balanced Group Softmax (Li et al., CVPR 2020), decoupled as in the paper
# (see mask_rcnn_r50_classifier_1x.py): a new classifier of 1203 class
# logits, [background, foreground] and one "others" logit for each
# instance-count group (0, 10), [10, 100), [100, 1000), [1000, inf); "others"
# subsampled 8:1; random sampling, multi-scale, 12 epochs at lr 0.02 (steps
# 8, 11). Targets the eqlv2 repository's LVIS v1 row, 23.1 mask AP (APr
# 13.1, APc 22.5, APf 28.2), trained by tztztztztz/eqlv2
# configs/decouple/bags_r50_8x2_1x.py with its 1x schedule at lr 0.02
# (configs/_base_/schedules/schedule_1x.py L2); the paper's LVIS v0.5 run
# (26.25 mask AP) used lr 0.01. Like that row, it starts from the 1x
# random-sampling baseline (mask_rcnn_r50_random_1x.py), not from the 2x RFS
# baseline that the other decoupled stages load.
_base_ = './mask_rcnn_r50_classifier_1x.py'

load_from = 'work_dirs/mask_rcnn_r50_random_1x/epoch_12.pth'
# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the classifier of C + 2 + G
# outputs and the group buffers.
partial_load_keys = [
    'roi_head.bbox_head.fc_cls',
    'roi_head.bbox_head.loss_cls',
]

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.GroupSoftmaxLoss',
                num_classes=1203,
                bins=(10, 100, 1000),
                others_ratio=8.0,
                loss_weight=1.0))))
