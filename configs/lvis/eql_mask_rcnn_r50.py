# Equalization Loss (Tan et al., CVPR 2020): sigmoid classifier over the 1203
# classes (no background logit), lambda = 0.0011 for LVIS v1 (the eqlv2
# repository's setting, with repeat factor sampling t = 0.001), 1x. The
# classifier bias starts at the prior -log((1 - p) / p), p = 0.001.
_base_ = [
    '../_base_/models/mask_rcnn_r50_fpn.py',
    '../_base_/datasets/lvis_v1_instance.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.EqualizationLoss',
                num_classes=1203,
                lambda_=0.0011,
                loss_weight=1.0),
            init_cfg=[
                dict(
                    type='Normal',
                    std=0.01,
                    bias_prob=0.001,
                    override=dict(name='fc_cls')),
                dict(type='Normal', std=0.001, override=dict(name='fc_reg')),
                dict(
                    type='Xavier',
                    distribution='uniform',
                    override=[
                        dict(name='shared_fcs'),
                        dict(name='cls_fcs'),
                        dict(name='reg_fcs')
                    ])
            ])))

train_dataloader = dict(
    sampler=dict(type='lt_mm.RepeatFactorSampler', repeat_thr=0.001))
