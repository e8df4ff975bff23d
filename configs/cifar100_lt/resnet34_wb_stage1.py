# Weight balancing, stage 1 (Alshammari et al., "Long-Tailed Recognition via
# Weight Balancing", CVPR 2022) on CIFAR-100-LT (imbalance 100): feature
# learning with cross-entropy and the tuned weight decay 5e-3, as the
# authors' notebook (ShadeAlsha/LTR-weight-balancing,
# demo1_first-stage-training In[4], In[10], In[25]): ResNet-34 with the
# CIFAR stem, batch 64, SGD lr 0.01, momentum 0.9, 320 epochs of cosine decay
# to 0, random crop (padding 4) and flip. No MaxNorm in this stage: the
# authors apply it in stage 2 only (resnet34_wb_stage2.py).
# Their ResNet-34 is torchvision's with a 3x3 stride-1 first convolution and
# no max-pooling (utils/network_arch_resnet.py), which is mmpretrain's
# ResNet_CIFAR of depth 34; the classifier keeps PyTorch's default Linear
# initialisation as theirs. Differences: the long-tailed subset is LDAM's
# seeded selection (theirs takes the first n_i images of each class; the
# same counts); their scheduler steps before each epoch, so epoch e trains
# at our epoch e + 1's lr; they keep the epoch with the best test accuracy,
# we the last. Their notebook's stage 1 reaches 47.2 top-1 (exp/demo_1
# log); the two stages 53.35 (paper, Table 1).
_base_ = [
    '../_base_/datasets/cifar100_lt.py',
    '../_base_/cls_runtime.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR', depth=34, num_stages=4, out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg=None))

# their normalisation (utils/dataset_CIFAR100LT.py L74)
data_preprocessor = dict(
    mean=[125.307, 122.961, 113.8575], std=[51.5865, 50.847, 51.255])
train_dataloader = dict(batch_size=64)

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=320, eta_min=0)
]
train_cfg = dict(by_epoch=True, max_epochs=320, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
