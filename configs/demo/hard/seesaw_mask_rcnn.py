# ../seesaw_mask_rcnn.py on the hard demo set (see mask_rcnn.py).
_base_ = './mask_rcnn.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            cls_predictor_cfg=dict(type='lt_mm.NormedLinear', scale=20),
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.SeesawLoss',
                num_classes={{_base_.num_classes}},
                p=0.8,
                q=2.0,
                loss_weight=1.0))))
