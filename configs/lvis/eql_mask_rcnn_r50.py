# Equalization Loss (Tan et al., CVPR 2020): sigmoid classifier over the 1203
# classes (no background logit), lambda = 0.0011 for LVIS v1, repeat factor
# sampling t = 0.001 with ceil rounding, multi-scale training, 1x: the
# eqlv2 repository's (tztztztztz/eqlv2)
# configs/lvis/mask_rcnn_r50_fpn_sample1e-3_mstrain_eql_1x_lvis_v1.py, whose
# mmdet 2.3 ClassBalancedDataset repeats each image ceil(r_I) times. The
# repository publishes no number for it. Its README row "EQL 18.6 mask AP"
# is configs/end2end/eql_r50_8x2_1x.py, trained without repeat factors
# (oversample_thr=0.0 in configs/end2end/mask_rcnn_r50_8x2_1x.py L3).
# lt_mm.EqualizationLoss starts the classifier bias at the prior
# -log((1 - p) / p), p = 0.001, by itself.
_base_ = './mask_rcnn_r50_random_1x.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.EqualizationLoss',
                num_classes=1203,
                lambda_=0.0011,
                loss_weight=1.0))))

train_dataloader = dict(
    sampler=dict(
        type='lt_mm.RepeatFactorSampler', repeat_thr=0.001, rounding='ceil'))
