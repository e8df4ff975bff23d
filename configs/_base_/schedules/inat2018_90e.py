# The iNaturalist 2018 first stage of the decoupling code (Kang et al., ICLR
# 2020; classifier-balancing config/iNaturalist18/feat_unifrom.yaml): ResNet-50
# from scratch, SGD, batch 512, lr 0.2, momentum 0.9, weight decay 1e-4,
# cosine decay to 0 over 90 epochs (coslr: true, endlr: 0.0; stepped each
# epoch in their run_networks.py). Their 200-epoch variant changes
# max_epochs and T_max.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4))

param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=90, eta_min=0),
]

train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=5)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=512)
