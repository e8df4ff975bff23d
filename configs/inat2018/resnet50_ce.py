# Cross-entropy baseline on iNaturalist 2018 (the decoupling paper's
# "joint", instance-balanced first stage): ResNet-50 from scratch, 90
# epochs, batch 512, lr 0.2 with cosine decay, weight decay 1e-4
# (classifier-balancing config/iNaturalist18/feat_unifrom.yaml;
# ../_base_/schedules/inat2018_90e.py). Published top-1 61.7 at 90 epochs,
# 65.8 at 200 (Kang et al., ICLR 2020, Table 3, ResNet-50 "Joint").
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    '../_base_/datasets/inaturalist2018.py',
    '../_base_/schedules/inat2018_90e.py',
    '../_base_/cls_runtime.py',
]

model = dict(head=dict(num_classes=8142, topk=(1, 5)))
