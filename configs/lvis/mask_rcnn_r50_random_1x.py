# Baseline with random sampling, 1x: Mask R-CNN R50-FPN, softmax
# cross-entropy, no repeat factors, multi-scale training, 12 epochs: mmdet's
# LVIS v1 Mask R-CNN
#   mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py
# without its ClassBalancedDataset, with lt_mm's dataset, metric and runtime
# hooks. The first stage that the eqlv2 repository decouples BAGS from
# (tztztztztz/eqlv2 configs/end2end/mask_rcnn_r50_8x2_1x.py, its r50_1x row:
# 16.1 mask AP); bags_mask_rcnn_r50.py loads its last checkpoint. The 1x
# method configs start from it.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    '../_base_/datasets/lvis_v1_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]

# LVIS v1's 1203 classes and test settings (up to 300 detections per image),
# as in mmdet's LVIS configs.
model = dict(
    roi_head=dict(
        bbox_head=dict(num_classes=1203), mask_head=dict(num_classes=1203)),
    test_cfg=dict(rcnn=dict(score_thr=0.0001, max_per_img=300)))

# one evaluation, after the last epoch (an LVIS evaluation takes long)
train_cfg = dict(val_interval=12)
