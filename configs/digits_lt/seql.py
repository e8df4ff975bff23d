# Softmax equalization loss (gamma 0.9) on long-tailed digits: the CPU demo
# of configs/cifar100_lt/resnet32_seql.py. lambda 0.05 makes the five
# smallest digits (fewer than 17 of 342 images) the tail, as lambda 0.005
# makes about half of CIFAR-100-LT's classes.
_base_ = './ce.py'

model = dict(
    head=dict(
        loss=dict(
            type='lt_mm.SoftmaxEQLLoss',
            num_classes=10,
            gamma=0.9,
            lambda_=0.05)))
