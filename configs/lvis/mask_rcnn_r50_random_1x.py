# Baseline with random sampling, 1x: Mask R-CNN R50-FPN, softmax
# cross-entropy, no repeat factors, multi-scale training, 12 epochs. The first
# stage that the eqlv2 repository decouples BAGS from (tztztztztz/eqlv2
# configs/end2end/mask_rcnn_r50_8x2_1x.py, its r50_1x row: 16.1 mask AP);
# bags_mask_rcnn_r50.py loads its last checkpoint.
_base_ = [
    '../_base_/models/mask_rcnn_r50_fpn.py',
    '../_base_/datasets/lvis_v1_instance.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]
