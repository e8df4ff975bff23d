# Classifier re-training (cRT; Kang et al., ICLR 2020) on iNaturalist 2018:
# from the cross-entropy model (resnet50_ce.py), the linear classifier is
# re-initialised and trained alone for 30 epochs with class-aware sampling
# (4 images of a class at a time), batch 512, lr 0.2, cosine decay to 0,
# weight decay 1e-4, the frozen backbone in train mode as in the authors'
# code (classifier-balancing config/iNaturalist18/cls_crt.yaml;
# run_networks.py L247-L249). Published top-1 65.2 after the 90-epoch first
# stage, 68.2 after 200 (Kang et al., Table 3, ResNet-50 "cRT").
_base_ = './resnet50_ce.py'

load_from = 'work_dirs/resnet50_ce/epoch_90.pth'

train_dataloader = dict(
    sampler=dict(
        _delete_=True, type='lt_mm.ClassAwareSampler', num_samples_cls=4))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(trainable=['head']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=30, eta_min=0)
]
train_cfg = dict(max_epochs=30, val_interval=10)
# the frozen backbone follows the runner's train mode (its BatchNorm
# statistics shift to the re-sampled batches)
default_hooks = dict(frozen_modules=dict(mode='train'))

custom_hooks = [dict(type='lt_mm.ResetClassifierHook', modules=['head.fc'])]
