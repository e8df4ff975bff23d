# Baseline: Mask R-CNN R50-FPN, softmax cross-entropy, repeat factor sampling
# (t = 0.001), multi-scale training, 2x: mmdet's LVIS v1 Mask R-CNN
# (mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py) on mmdet's 2x
# schedule, as mmdet's Seesaw Loss configs train it, with lt_mm's dataset,
# metric, sampler and runtime hooks. The method configs start from it.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    '../_base_/datasets/lvis_v1_instance.py',
    'mmdet::_base_/schedules/schedule_2x.py', '../_base_/default_runtime.py'
]

# LVIS v1's 1203 classes and test settings (up to 300 detections per image),
# as in mmdet's LVIS configs.
model = dict(
    roi_head=dict(
        bbox_head=dict(num_classes=1203), mask_head=dict(num_classes=1203)),
    test_cfg=dict(rcnn=dict(score_thr=0.0001, max_per_img=300)))

# Repeat factor sampling: images of rare classes repeat up to sqrt(t / f_c)
# times per epoch, redrawn every epoch. mmdet's published LVIS baselines
# used the ClassBalancedDataset wrapper, i.e. rounding='ceil'.
train_dataloader = dict(
    sampler=dict(type='lt_mm.RepeatFactorSampler', repeat_thr=0.001))

# one evaluation, after the last epoch (an LVIS evaluation takes long)
train_cfg = dict(val_interval=24)
