# RIDE's expert router on long-tailed digits: the CPU demo of
# configs/cifar100_lt/resnet32_ride_router.py after configs/digits_lt/ride.py
# (top-5 mean logits of the 10 classes, the authors' class default; 5
# epochs of class-balanced batches of 64).
_base_ = './ride.py'

load_from = 'work_dirs/ride/epoch_20.pth'

# the routers are new; the RIDE loss's class counts are not needed
partial_load_keys = ['head.routers', 'head.loss_module']

model = dict(
    type='lt_mm.RoutedExpertClassifier',
    routing=True,
    head=dict(
        _delete_=True,
        type='lt_mm.ExpertRouterClsHead',
        num_classes=10,
        in_channels=48,
        num_experts=3,
        top_k=5,
        hidden_channels=16,
        pos_weight=100.0))

train_dataloader = dict(
    batch_size=64,
    sampler=dict(_delete_=True, type='lt_mm.ClassBalancedSampler'))

optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True),
    paramwise_cfg=dict(trainable=['head.routers']))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=5, eta_min=0)
]
train_cfg = dict(max_epochs=5, val_interval=5)
custom_hooks = []

val_evaluator = [
    {{_base_.val_evaluator}},
    dict(type='lt_mm.ExpertCostMetric')
]
test_evaluator = val_evaluator
