# ../efl_atss.py on the hard demo set (see atss.py): the hard one-stage
# baseline with the loss swapped for Equalized Focal Loss.
_base_ = './atss.py'

model = dict(
    bbox_head=dict(
        loss_cls=dict(
            _delete_=True,
            type='lt_mm.EqualizedFocalLoss',
            num_classes={{_base_.num_classes}},
            use_sigmoid=True,
            gamma=2.0,
            scale_factor=8.0,
            alpha=0.25,
            loss_weight=1.0,
            prior_prob=0.001)))
