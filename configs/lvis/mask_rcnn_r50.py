# Baseline: Mask R-CNN R50-FPN, softmax cross-entropy, repeat factor sampling
# (t = 0.001), multi-scale training, 2x. The method configs start from it.
_base_ = [
    '../_base_/models/mask_rcnn_r50_fpn.py',
    '../_base_/datasets/lvis_v1_instance.py',
    '../_base_/schedules/schedule_2x.py', '../_base_/default_runtime.py'
]

# Repeat factor sampling: images of rare classes repeat up to sqrt(t / f_c)
# times per epoch, redrawn every epoch. mmdet's published LVIS baselines
# used the ClassBalancedDataset wrapper, i.e. rounding='ceil'.
train_dataloader = dict(
    sampler=dict(type='lt_mm.RepeatFactorSampler', repeat_thr=0.001))
