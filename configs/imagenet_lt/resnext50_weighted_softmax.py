# Re-weighted softmax cross-entropy, w_y ~ 1 / n_y (normalised to sum C), on
# ImageNet-LT, ResNeXt-50 from scratch, the cross-entropy baseline's
# 90-epoch recipe (resnext50_ce.py). Published top-1 47.9 (many / medium /
# few 66.3 / 42.2 / 15.6), relative accuracy 83.6 (Zhang et al., "Deep
# Long-Tailed Learning: A Survey", TPAMI 2023, Tables 4-5, 90 epochs,
# "Weighted Softmax" / "WS").
_base_ = './resnext50_ce.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.WeightedSoftmaxLoss', num_classes=1000)))
