# Classifier re-training (cRT; Kang et al., ICLR 2020) on Places-LT: from
# the cross-entropy model (resnet152_ce.py), the linear classifier is
# re-initialised and trained alone for 10 epochs with class-aware sampling
# (4 images of a class at a time), batch 256, lr 0.1, cosine decay to 0,
# weight decay 5e-4, the frozen backbone in train mode as in the authors'
# code (classifier-balancing config/Places_LT/cls_crt.yaml; run_networks.py
# L247-L249). Published top-1 36.7 (many / medium / few 42.0 / 37.6 / 24.9;
# Kang et al., Table 4, "cRT").
_base_ = './resnet152_ce.py'

load_from = 'work_dirs/resnet152_ce/epoch_30.pth'

train_dataloader = dict(
    batch_size=256,
    sampler=dict(
        _delete_=True, type='lt_mm.ClassAwareSampler', num_samples_cls=4))

optim_wrapper = dict(
    _delete_=True,
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(trainable=['head']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
auto_scale_lr = dict(base_batch_size=256)
# the frozen backbone follows the runner's train mode (its BatchNorm
# statistics shift to the re-sampled batches)
default_hooks = dict(frozen_modules=dict(mode='train'))

custom_hooks = [dict(type='lt_mm.ResetClassifierHook', modules=['head.fc'])]
