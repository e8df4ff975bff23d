# Post-hoc logit adjustment (Menon et al., ICLR 2021; tau 1) on ImageNet-LT:
# no training; test the cross-entropy checkpoint with the logits shifted by
# -tau log pi (the class prior from the training list, kept in the head):
#   python tools/test.py configs/imagenet_lt/resnext50_posthoc_la.py \
#       work_dirs/resnext50_ce/epoch_90.pth
# The authors' code covers CIFAR-LT only; no ImageNet-LT recipe to follow
# beyond the first stage's (resnext50_ce.py).
_base_ = './resnext50_ce.py'

model = dict(
    head=dict(type='lt_mm.LogitAdjustedClsHead', num_classes=1000, tau=1.0))
