# configs/lvis/federated_mask_rcnn_r50.py on the demo data (see
# mask_rcnn.py); the baseline's repeat factors, stochastically rounded, are
# already the recipe's.
# num_sample_cats: on LVIS v1 each GPU draws on its own 2 images, which hold
# a few classes each, so some 8-15 of the 50 indices are present (background
# included) and the other 35-42 are drawn from the ~1190 absent classes: a
# step trains 3-3.5% of the absent classes as negatives. 50 of 1203 scaled
# to 20 classes would be below the ~11 indices present in a demo batch (8
# images of the repeat-factor sampler hold 10 classes on average, 8-12 in
# 90% of the batches, plus background), so nothing would ever be drawn. 11
# indices draw on average 0.33 of the ~10 absent classes, 2.9% of them, the
# nearest to LVIS's share (10 would draw 0.6%, 12 draw 8.9%).
_base_ = './mask_rcnn.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.FederatedLoss',
                num_classes={{_base_.num_classes}},
                num_sample_cats=11,
                freq_weight=0.5,
                loss_weight=1.0))))
