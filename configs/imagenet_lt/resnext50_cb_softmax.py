# Class-balanced softmax cross-entropy (Cui et al., CVPR 2019; beta 0.9999)
# on ImageNet-LT, ResNeXt-50 from scratch with the cross-entropy baseline's
# 90-epoch recipe (resnext50_ce.py). The authors publish no ImageNet-LT
# recipe or number (their code covers CIFAR-LT, ILSVRC 2012 and
# iNaturalist); the loss is swapped into the survey's recipe. The class
# counts come from lt_mm.ClassStatisticsHook.
_base_ = './resnext50_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=1000,
            beta=0.9999,
            loss_type='softmax')))
