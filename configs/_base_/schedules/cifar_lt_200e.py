# The CIFAR-LT schedule of LDAM-DRW (Cao et al., NeurIPS 2019), used by most
# later CIFAR-LT work: SGD, batch 128, 200 epochs, lr 0.1 after a linear
# warm-up over the first 5 epochs (lr * (epoch + 1) / 5 at epochs 0-4),
# x0.01 at epochs 160 and 180.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=2e-4))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, milestones=[160, 180], gamma=0.01),
]

train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
val_cfg = dict()
test_cfg = dict()

# lr 0.1 is for a total batch of 128 (--auto-scale-lr rescales it).
auto_scale_lr = dict(base_batch_size=128)
