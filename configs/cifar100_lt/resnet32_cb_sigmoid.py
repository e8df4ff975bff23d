# Class-balanced sigmoid cross-entropy (Cui et al., CVPR 2019), beta 0.9999,
# on CIFAR-100-LT (imbalance 100), ResNet-32, 200 epochs. As in the authors'
# code (richardaecn/class-balanced-loss, src/model_base.py L188-L197 and
# src/cifar_main.py L348-L351), the classifier bias starts at -log(C - 1)
# (mmengine's bias_prob = 1 / C gives exactly that), so every sigmoid starts
# at 1 / C, and it is exempt from weight decay.
_base_ = './resnet32_ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.ClassBalancedLoss',
            num_classes=100,
            beta=0.9999,
            loss_type='sigmoid'),
        init_cfg=dict(
            type='Kaiming',
            layer='Linear',
            mode='fan_in',
            distribution='normal',
            bias_prob=1 / 100)))

# head.fc is mmpretrain LinearClsHead's classifier
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'head.fc.bias': dict(decay_mult=0.0)}))
