# The Places-LT joint-training schedule of OLTR (Liu et al., CVPR 2019;
# OpenLongTailRecognition-OLTR config/Places_LT/stage_1.py), which the
# decoupling paper's instance-balanced first stage follows (its repository
# ships that stage's ResNet-152, resnet152_uniform.pth, without its config):
# fine-tuning an ImageNet-pretrained ResNet-152, SGD, batch 128, momentum
# 0.9, weight decay 5e-4, classifier lr 0.1 and backbone lr 0.001 (x0.01),
# x0.1 every 10 epochs, 30 epochs.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.01)}))

param_scheduler = [
    dict(type='StepLR', by_epoch=True, step_size=10, gamma=0.1),
]

train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=5)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=128)
