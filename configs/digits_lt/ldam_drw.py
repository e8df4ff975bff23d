# LDAM-DRW on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_ldam_drw.py, with re-weighting from epoch 16
# of 20 (160 of 200 scaled).
_base_ = './ce.py'

model = dict(
    head=dict(
        type='lt_mm.CosineClsHead',
        scale=30.0,
        loss=dict(
            type='lt_mm.LDAMLoss', num_classes=10, max_m=0.5, scale=30.0)))

custom_hooks = [dict(type='lt_mm.DRWHook', start_epoch=16, beta=0.9999)]
