# Equalization Loss v2 (Tan et al., CVPR 2021): Mask R-CNN R50-FPN with a
# sigmoid classifier of 1203 classes + 1 objectness logit, gamma 12, mu 0.8,
# alpha 4; the official setting: random sampling (no repeat factors),
# multi-scale training, 1x.
_base_ = [
    '../_base_/models/mask_rcnn_r50_fpn.py',
    '../_base_/datasets/lvis_v1_instance.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.EqualizationLossV2',
                num_classes=1203,
                gamma=12,
                mu=0.8,
                alpha=4.0,
                loss_weight=1.0))))
