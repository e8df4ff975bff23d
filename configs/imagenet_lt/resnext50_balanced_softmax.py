# Balanced Softmax (Ren et al., NeurIPS 2020): CE(z + log n), on ImageNet-LT,
# ResNeXt-50 from scratch, the cross-entropy baseline's 90-epoch recipe
# (resnext50_ce.py: batch 256, lr 0.1 decayed linearly, weight decay 5e-4).
# Published top-1 50.8 (many / medium / few 61.7 / 48.0 / 29.9), relative
# accuracy 88.7 (Zhang et al., "Deep Long-Tailed Learning: A Survey", TPAMI
# 2023, Tables 4-5, 90 epochs, "Balanced Softmax" / "BS"). The class counts
# come from lt_mm.ClassStatisticsHook.
_base_ = './resnext50_ce.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.BalancedSoftmaxLoss', num_classes=1000)))
