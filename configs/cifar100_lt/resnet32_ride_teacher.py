# RIDE's distillation teacher on CIFAR-100-LT: resnet32_ride.py with 6
# experts (frank-xwang/RIDE-LongTailRecognition,
# configs/config_imbalance_cifar100_ride_teacher.json). Published top-1 50.2
# (many / medium / few 69.3 / 52.1 / 25.8; their MODEL_ZOO.md).
_base_ = './resnet32_ride.py'

model = dict(backbone=dict(num_experts=6), head=dict(num_experts=6))
