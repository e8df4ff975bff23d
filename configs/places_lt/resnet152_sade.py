# SADE (Zhang et al., NeurIPS 2022), training stage, on Places-LT:
# ResNet-152 pretrained on ImageNet, stem and stages 1-2 shared, three
# experts of stages 3-4 at full width (256 / 512: 2048 channels), each
# initialised from the pretrained stages 3-4, with cosine classifiers of
# scale 30; softmax CE, balanced softmax and the inverse-prior loss (tau 1),
# summed (lt_mm.SADELoss). The authors' recipe (Vanint/SADE-AgnosticLT,
# configs/config_places_lt_resnet152_sade.json, train_places.py L66-L83,
# model/model.py L91-L136): 30 epochs, batch 128, SGD momentum 0.9,
# Nesterov, weight decay 4e-4, lr 0.01 for the classifiers and 0.001 for
# the backbone, x0.1 at epochs 10 and 20, random resized crop, flip, colour
# jitter 0.4 (../_base_/datasets/places_lt.py). Published top-1 40.9
# (authors' README, uniform test set) with the test-time aggregation of
# resnet152_sade_test_time.py. Their ImageNet weights are the caffe
# ResNet-152; here mmpretrain's resnet152_8xb32_in1k, as resnet152_ce.py.
# First write the experts' initialisation:
#   python tools/model_converters/resnet_to_multi_expert.py \
#       resnet152_8xb32_in1k_20210901-4d7582fa.pth \
#       work_dirs/pretrained/resnet152_in1k_3experts.pth
#   python tools/train.py configs/places_lt/resnet152_sade.py
_base_ = './resnet152_ce.py'

# a ResNeXt of one group of 64 channels per 64 is the plain ResNet-152
model = dict(
    backbone=dict(
        _delete_=True,
        type='lt_mm.MultiExpertResNeXt',
        depth=152,
        num_experts=3,
        expert_channels=(256, 512),
        groups=1,
        width_per_group=64),
    head=dict(
        _delete_=True,
        type='lt_mm.SADEClsHead',
        num_classes=365,
        in_channels=2048,
        num_experts=3,
        scale=30.0,
        loss=dict(type='lt_mm.SADELoss', num_classes=365, tau=1.0)))

# the pretrained backbone for every expert; the head initialises itself
load_from = 'work_dirs/pretrained/resnet152_in1k_3experts.pth'
partial_load_keys = ['head.']

optim_wrapper = dict(
    optimizer=dict(lr=0.01, weight_decay=4e-4, nesterov=True),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
