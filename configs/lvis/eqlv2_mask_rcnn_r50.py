# Equalization Loss v2 (Tan et al., CVPR 2021): Mask R-CNN R50-FPN with a
# sigmoid classifier of 1203 classes + 1 objectness logit, gamma 12, mu 0.8,
# alpha 4; the official setting (tztztztztz/eqlv2
# configs/end2end/eqlv2_r50_8x2_1x.py): random sampling (no repeat factors),
# multi-scale training, 1x at lr 0.02, test scores sigmoid(z_j) * (1 -
# sigmoid(z_obj)). Published: 23.7 mask AP (APr 14.9, APc 22.8, APf 28.6).
# The loss starts all 1204 classifier biases at the prior -log((1 - p) / p),
# p = 0.001, as the authors' bbox head does.
_base_ = './mask_rcnn_r50_random_1x.py'

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
