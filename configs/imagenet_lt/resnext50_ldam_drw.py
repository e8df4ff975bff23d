# LDAM-DRW (Cao et al., NeurIPS 2019) on ImageNet-LT, ResNeXt-50 from
# scratch, the cross-entropy baseline's 90-epoch recipe (resnext50_ce.py):
# margins m_j ~ n_j^(-1/4) (max 0.5) on a cosine classifier with scale 30,
# class-balanced weights (beta 0.9999) deferred to the last 20 % of training
# (epoch 72 of 90, 0-indexed: LDAM-DRW's CIFAR deferral at 160 of 200 scaled;
# the survey does not state its epoch). Published top-1 51.1 (many / medium /
# few 62.3 / 47.4 / 32.5), relative accuracy 89.2 (Zhang et al., "Deep
# Long-Tailed Learning: A Survey", TPAMI 2023, Tables 4-5, 90 epochs,
# "LDAM", run with its deferred re-weighting, Sec. 4.3).
_base_ = './resnext50_ce.py'

model = dict(
    head=dict(
        type='lt_mm.CosineClsHead',
        scale=30.0,
        loss=dict(
            type='lt_mm.LDAMLoss', num_classes=1000, max_m=0.5,
            scale=30.0)))

custom_hooks = [dict(type='lt_mm.DRWHook', start_epoch=72, beta=0.9999)]
