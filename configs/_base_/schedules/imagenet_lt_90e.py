# The ImageNet-LT schedule of the survey's experiments (Zhang et al., "Deep
# Long-Tailed Learning: A Survey", TPAMI 2023, Sec. 4.2): SGD, batch 256,
# momentum 0.9, weight decay 5e-4, lr 0.1 decayed linearly to zero over 90
# epochs. Its 200-epoch variant changes max_epochs and `end`.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1.0,
        end_factor=0.0,
        by_epoch=True,
        begin=0,
        end=90,
        convert_to_iter_based=True),
]

train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=5)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=256)
