# Class-balanced sigmoid focal loss (beta 0.9999, gamma 1) on long-tailed
# digits: the CPU demo of configs/cifar100_lt/resnet32_cb_focal.py.
_base_ = './ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=10,
            beta=0.9999,
            loss_type='focal',
            gamma=1.0),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01,
                      bias_prob=0.1)))
