# ../eqlv2_mask_rcnn.py on the hard demo set (see mask_rcnn.py): random
# sampling instead of the baseline's repeat factors.
_base_ = './mask_rcnn.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.EqualizationLossV2',
                num_classes={{_base_.num_classes}},
                gamma=12,
                mu=0.8,
                alpha=4.0,
                loss_weight=1.0))))

train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
