# Cross-entropy baseline on ImageNet-LT, ResNeXt-50 from scratch, 90 epochs.
# Published top-1 45.5 (many / medium / few 66.5 / 39.0 / 8.6), relative
# accuracy 79.4 against the balanced reference 57.3 (Zhang et al., "Deep
# Long-Tailed Learning: A Survey", TPAMI 2023, Tables 4-5, "Softmax").
# The model is mmpretrain's ResNeXt-50 (32x4d) classifier, without
# pre-training as in OLTR / Decoupling / the survey's Sec. 4.2.
_base_ = [
    'mmpretrain::_base_/models/resnext50_32x4d.py',
    '../_base_/datasets/imagenet_lt.py',
    '../_base_/schedules/imagenet_lt_90e.py',
    '../_base_/cls_runtime.py',
]

val_evaluator = dict(reference_accuracy=57.3)
test_evaluator = val_evaluator
