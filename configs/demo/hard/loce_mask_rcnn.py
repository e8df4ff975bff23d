# ../loce_mask_rcnn.py on the hard demo set: the hard baseline fine-tuned for
# 3 epochs (see mask_rcnn_classifier.py) with the equilibrium loss and
# memory-augmented feature sampling, training the RPN, the box classifier and
# regressor and the mask head, with random sampling.
_base_ = './mask_rcnn_classifier.py'

model = dict(
    roi_head=dict(
        type='lt_mm.LOCERoIHead',
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.EquilibriumLoss',
                num_classes={{_base_.num_classes}}))))

optim_wrapper = dict(
    paramwise_cfg=dict(trainable=[
        'rpn_head', 'roi_head.bbox_head.fc_cls', 'roi_head.bbox_head.fc_reg',
        'roi_head.mask_head'
    ]))
custom_hooks = [dict(type='lt_mm.FeatureMemoryInitHook')]

# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the mean classification scores.
partial_load_keys = ['roi_head.mean_score']
