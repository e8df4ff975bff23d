# Seesaw Loss (Wang et al., CVPR 2021): Mask R-CNN R50-FPN, p = 0.8, q = 2.0,
# normalised linear classifier (scale 20), repeat factor sampling (t = 0.001)
# with ceil rounding, multi-scale training, 2x. Reproduces mmdet's
# mmdet::seesaw_loss/mask-rcnn_r50_fpn_seesaw-loss_sample1e-3-ms-2x_lvis-v1.py
# with lt_mm's loss and classifier, and lt_mm.RepeatFactorSampler in place of
# its ClassBalancedDataset (which repeats each image ceil(r) times); model,
# data and schedule otherwise equal (tests/test_config_bases.py checks it).
# Published on LVIS v1: 26.4 mask AP, 27.6 box AP.
# For the normalised mask predictor (+0.4 mask AP) set
#   model.roi_head.mask_head.predictor_cfg=dict(type='lt_mm.NormedConv2d')
_base_ = './mask_rcnn_r50.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            cls_predictor_cfg=dict(type='lt_mm.NormedLinear', scale=20),
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.SeesawLoss',
                num_classes=1203,
                p=0.8,
                q=2.0,
                loss_weight=1.0))))

train_dataloader = dict(sampler=dict(rounding='ceil'))
