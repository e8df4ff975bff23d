# Balanced Softmax (Ren et al., NeurIPS 2020), CE(z + log n), on
# iNaturalist 2018, ResNet-50 from scratch with the cross-entropy baseline's
# recipe (resnet50_ce.py). The authors publish no iNaturalist recipe or
# number; the loss is swapped into the decoupling first stage, as the
# survey does with its own recipe. Survey top-1 70.6 at 200 epochs (head /
# middle / tail 70.9 / 70.7 / 70.4; Zhang et al., "Deep Long-Tailed
# Learning: A Survey", TPAMI 2023, Table 6: batch 256, lr 0.1, weight decay
# 5e-4, linear decay). The class counts come from lt_mm.ClassStatisticsHook.
_base_ = './resnet50_ce.py'

model = dict(
    head=dict(loss=dict(type='lt_mm.BalancedSoftmaxLoss', num_classes=8142)))
