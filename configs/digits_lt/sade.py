# SADE on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_sade.py. A depth-8 CIFAR ResNet (one block a
# stage): stem and stage 1 shared, 3 experts with stages 2-3 at widths
# 24 / 48 and cosine classifiers (s = 30), trained with softmax CE,
# balanced softmax and the inverse-prior loss (tau 2), summed. Tests with
# the experts' mean; sade_test_time.py adds the test-time aggregation:
#   python tools/train.py configs/digits_lt/sade.py
#   python tools/test.py configs/digits_lt/sade_test_time.py \
#       work_dirs/sade/epoch_20.pth
_base_ = './ce.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='lt_mm.MultiExpertCIFARResNet',
        depth=8,
        in_channels=1,
        num_experts=3,
        expert_channels=(24, 48)),
    head=dict(
        _delete_=True,
        type='lt_mm.SADEClsHead',
        num_classes=10,
        in_channels=48,
        num_experts=3,
        scale=30.0,
        loss=dict(type='lt_mm.SADELoss', num_classes=10, tau=2.0)))

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=2),
    dict(type='MultiStepLR', by_epoch=True, milestones=[16, 18], gamma=0.1),
]
