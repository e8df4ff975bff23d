# Seesaw loss (Wang et al., CVPR 2021; p 0.8, q 2) on ImageNet-LT,
# ResNeXt-50 from scratch with the cross-entropy baseline's 90-epoch recipe
# (resnext50_ce.py). The authors publish it for LVIS detection only; no
# ImageNet-LT recipe or number, the loss is swapped into the survey's
# recipe.
_base_ = './resnext50_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClsSeesawLoss', num_classes=1000, p=0.8, q=2.0)))
