# Logit-adjusted loss (Menon et al., ICLR 2021; tau 1), CE(z + tau log pi),
# on ImageNet-LT, ResNeXt-50 from scratch with the cross-entropy baseline's
# 90-epoch recipe (resnext50_ce.py). The authors' code (google-research
# logit_adjustment) covers CIFAR-LT only; the loss is swapped into the
# survey's recipe (with tau 1 it is Balanced Softmax, the survey's 50.8:
# resnext50_balanced_softmax.py). The class counts come from
# lt_mm.ClassStatisticsHook.
_base_ = './resnext50_ce.py'

model = dict(
    head=dict(
        loss=dict(type='lt_mm.LogitAdjustmentLoss', num_classes=1000,
                  tau=1.0)))
