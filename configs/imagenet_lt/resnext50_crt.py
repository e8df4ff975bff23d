# Classifier re-training (cRT; Kang et al., "Decoupling Representation and
# Classifier for Long-Tailed Recognition", ICLR 2020) on ImageNet-LT: from
# the cross-entropy model (resnext50_ce.py), the linear classifier is
# re-initialised and trained alone for 10 epochs with class-aware sampling
# (round robin over the classes, 4 images of a class at a time), cosine
# decay to 0, weight decay 5e-4; the backbone's weights are frozen, but it
# stays in train mode as in the authors' code (run_networks.py L247-L249),
# so its BatchNorm running statistics follow the class-balanced batches.
# The authors' recipe (classifier-balancing, config/ImageNet_LT/cls_crt.yaml)
# uses batch 512 at lr 0.2; here batch 256 at lr 0.1, the same ratio
# (tools/train.py --auto-scale-lr rescales it for other batch sizes).
# Published top-1 49.9 (many / medium / few 62.6 / 46.2 / 26.7; Zhang et
# al., "Deep Long-Tailed Learning: A Survey", TPAMI 2023, Tables 4-5, 90
# epochs, "Decouple-IB-CRT"). The authors report 49.6 (61.8 / 46.2 / 27.4)
# after their own 90-epoch first stage (batch 512, lr 0.2, cosine decay;
# classifier-balancing README, "ImageNet_LT, Classifier learning").
_base_ = './resnext50_ce.py'

load_from = 'work_dirs/resnext50_ce/epoch_90.pth'

train_dataloader = dict(
    sampler=dict(
        _delete_=True, type='lt_mm.ClassAwareSampler', num_samples_cls=4))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(trainable=['head']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=10, eta_min=0)
]
train_cfg = dict(max_epochs=10, val_interval=10)
# the frozen backbone follows the runner's train mode (its BatchNorm
# statistics shift to the re-sampled batches)
default_hooks = dict(frozen_modules=dict(mode='train'))

custom_hooks = [dict(type='lt_mm.ResetClassifierHook', modules=['head.fc'])]
