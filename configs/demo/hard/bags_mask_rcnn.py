# ../bags_mask_rcnn.py on the hard demo set (see mask_rcnn_classifier.py for
# the decoupled stage), at lr 0.02 like the LVIS config. The hard set's
# training instances (rare 1-8 per class, common 15-72, frequent 124-158)
# would fill the published bins (10, 100, 1000) with 20 / 20 / 8 / 0
# classes; bins (10, 35, 100) give four groups of 20 / 10 / 10 / 8.
_base_ = './mask_rcnn_classifier.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.GroupSoftmaxLoss',
                num_classes={{_base_.num_classes}},
                bins=(10, 35, 100),
                others_ratio=8.0,
                loss_weight=1.0))))

# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the classifier of C + 2 + G
# outputs and the group buffers.
partial_load_keys = [
    'roi_head.bbox_head.fc_cls',
    'roi_head.bbox_head.loss_cls',
]
