# LDAM-DRW (Cao et al., NeurIPS 2019) on CIFAR-100-LT (imbalance 100),
# ResNet-32, 200 epochs: margins m_j ~ n_j^(-1/4) (max 0.5) on a cosine
# classifier with scale 30, class-balanced weights (beta 0.9999) from epoch
# 160 (deferred re-weighting). Published top-1: 42.0 (the paper, Table 2).
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        type='lt_mm.CosineClsHead',
        scale=30.0,
        loss=dict(
            type='lt_mm.LDAMLoss', num_classes=100, max_m=0.5, scale=30.0)))

custom_hooks = [dict(type='lt_mm.DRWHook', start_epoch=160, beta=0.9999)]
