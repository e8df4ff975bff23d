# First stage of MiSLAS (Zhong et al., CVPR 2021) on ImageNet-LT with the
# authors' ImageNet-LT recipe (MiSLAS
# config/imagenet/imagenet_resnet50_stage1_mixup.yaml): cross-entropy with
# mixup alpha 0.2, 180 epochs, batch 256, SGD lr 0.1 with cosine decay,
# momentum 0.9, weight decay 5e-4. Differs: ResNeXt-50 (the survey's and
# these configs' ImageNet-LT backbone) instead of their ResNet-50.
# resnext50_las.py re-trains its classifier with label-aware smoothing.
_base_ = './resnext50_ce.py'

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=0.2)))

param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=180, eta_min=0)
]
train_cfg = dict(max_epochs=180)
