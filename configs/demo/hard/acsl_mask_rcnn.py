# ../acsl_mask_rcnn.py on the hard demo set (see mask_rcnn_classifier.py for
# the decoupled stage).
_base_ = './mask_rcnn_classifier.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.AdaptiveClassSuppressionLoss',
                num_classes={{_base_.num_classes}},
                score_thr=0.7,
                loss_weight=1.0))))

# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): ACSL's statistics buffers.
partial_load_keys = ['roi_head.bbox_head.loss_cls']
