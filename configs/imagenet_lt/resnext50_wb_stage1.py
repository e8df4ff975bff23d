# Weight balancing, stage 1 (Alshammari et al., CVPR 2022) on ImageNet-LT,
# ResNeXt-50 from scratch: cross-entropy with tuned weight decay. The
# authors publish code for CIFAR-100-LT only (their notebooks); this stage
# is the cross-entropy baseline's 90-epoch recipe (resnext50_ce.py: batch
# 256, lr 0.1 decayed linearly, weight decay 5e-4, the survey's value) under
# its own work_dir name, so that resnext50_wb_stage2.py loads it. Tune the
# weight decay here as the paper does (its CIFAR value, 5e-3, is for lr
# 0.01).
_base_ = './resnext50_ce.py'
