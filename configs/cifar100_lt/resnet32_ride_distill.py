# RIDE with distillation on CIFAR-100-LT (Wang et al., ICLR 2021, Sec. 3.4):
# the 3-expert model of resnet32_ride.py learns also from the 6-expert
# teacher (resnet32_ride_teacher.py, trained first): T_d^2 KL between the
# softened teacher and student mean logits, T_d = 1.5, factor 1, added to
# the RIDE loss, after the authors' recipe
# (configs/config_imbalance_cifar100_distill_ride.json): warm-up over 20
# epochs instead of 5, the rest as resnet32_ride.py. Their loss adds the RIDE
# loss and the distillation term once per expert (model/loss.py
# L272-L283), three times the sum: loss_weight 3 reproduces it (it triples
# the loss's step against the weight decay). Published top-1 49.0 (many /
# medium / few 67.6 / 50.9 / 25.2; their MODEL_ZOO.md, with the router).
_base_ = './resnet32_ride.py'

model = dict(
    type='lt_mm.DistillationClassifier',
    teacher_config='configs/cifar100_lt/resnet32_ride_teacher.py',
    teacher_checkpoint='work_dirs/resnet32_ride_teacher/epoch_200.pth',
    head=dict(
        loss=dict(distill_factor=1.0, distill_temperature=1.5,
                  loss_weight=3.0)))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=True, begin=0, end=20),
    dict(type='MultiStepLR', by_epoch=True, milestones=[160, 180], gamma=0.01),
]
