# Cross-entropy baseline on Places-LT (the decoupling paper's "joint",
# instance-balanced first stage): ResNet-152 pretrained on ImageNet,
# fine-tuned 30 epochs with OLTR's stage-1 recipe (batch 128, classifier lr
# 0.1, backbone lr 0.001, x0.1 every 10 epochs, weight decay 5e-4;
# ../_base_/schedules/places_lt_30e.py). As in the decoupling code the
# classifier sits on the 2048-d pooled features (feat_dim 2048, use_fc
# false in classifier-balancing config/Places_LT/cls_crt.yaml; OLTR's own
# stage 1 adds a 512-d fc). The ImageNet weights are mmpretrain's
# resnet152_8xb32_in1k (78.48 top-1) instead of the caffe ResNet-152 of
# OLTR (the same architecture, torchvision's bottleneck stride).
# Published top-1 30.2 (many / medium / few 45.7 / 27.3 / 8.2; Kang et al.,
# ICLR 2020, Table 4, "Joint").
_base_ = [
    'mmpretrain::_base_/models/resnet152.py',
    '../_base_/datasets/places_lt.py',
    '../_base_/schedules/places_lt_30e.py',
    '../_base_/cls_runtime.py',
]

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'resnet/resnet152_8xb32_in1k_20210901-4d7582fa.pth',
            prefix='backbone')),
    head=dict(num_classes=365, topk=(1, 5)))
