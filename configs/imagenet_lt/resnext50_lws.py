# Learnable weight scaling (LWS; Kang et al., "Decoupling Representation and
# Classifier for Long-Tailed Recognition", ICLR 2020) on ImageNet-LT: from
# the cross-entropy model (resnext50_ce.py), only a per-class scale of the
# classifier's logits is learnt, for 5 epochs with class-aware sampling
# (4 images of a class at a time), cosine decay to 0, weight decay 5e-4;
# everything else is frozen, the backbone in train mode as in the authors'
# code (its BatchNorm running statistics follow the class-balanced
# batches). The authors' recipe (classifier-balancing,
# config/ImageNet_LT/cls_lws.yaml) uses batch 512 at lr 0.2; here batch 256
# at lr 0.1, the same ratio.
# Published top-1 49.9 (many / medium / few 60.2 / 47.2 / 30.3) after the
# authors' own 90-epoch first stage (Kang et al.; classifier-balancing
# README, "ImageNet_LT, Classifier learning", "LWS").
_base_ = './resnext50_ce.py'

load_from = 'work_dirs/resnext50_ce/epoch_90.pth'
# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): the per-class scales.
partial_load_keys = ['head.scales']

model = dict(head=dict(type='lt_mm.LWSClsHead'))

train_dataloader = dict(
    sampler=dict(
        _delete_=True, type='lt_mm.ClassAwareSampler', num_samples_cls=4))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(trainable=['head.scales']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=5, eta_min=0)
]
train_cfg = dict(max_epochs=5, val_interval=5)
# the frozen backbone follows the runner's train mode (its BatchNorm
# statistics shift to the re-sampled batches)
default_hooks = dict(
    checkpoint=dict(interval=5), frozen_modules=dict(mode='train'))
