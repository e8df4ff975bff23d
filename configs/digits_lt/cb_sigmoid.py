# Class-balanced sigmoid cross-entropy (beta 0.9999) on long-tailed digits:
# the CPU demo of configs/cifar100_lt/resnet32_cb_sigmoid.py, with its
# classifier bias -log(C - 1) (bias_prob 1 / C), exempt from weight decay.
_base_ = './ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=10,
            beta=0.9999,
            loss_type='sigmoid'),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01,
                      bias_prob=1 / 10)))

optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'head.fc.bias': dict(decay_mult=0.0)}))
