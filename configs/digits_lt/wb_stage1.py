# Weight balancing, stage 1 (Alshammari et al., CVPR 2022) on long-tailed
# digits: the CPU demo of configs/cifar100_lt/resnet34_wb_stage1.py.
# Cross-entropy with the authors' tuned weight decay 5e-3 (their CIFAR
# notebook, demo1 In[25]) instead of the demo's 5e-4; schedule and model
# are the digits CE demo's (ce.py). Stage 2: wb_stage2.py.
_base_ = './ce.py'

optim_wrapper = dict(optimizer=dict(weight_decay=5e-3))
