# RIDE's expert router (Wang et al., ICLR 2021, Sec. 3.3), the second stage
# on ImageNet-LT after resnext50_ride.py, the authors' recipe
# (frank-xwang/RIDE-LongTailRecognition,
# configs/config_imagenet_lt_resnext50_ride_ea.json): experts frozen, two
# routers (hidden 16, top-50 mean logits, a shared output layer) trained
# alone with the binary cross-entropy, positive weight 100, on
# class-balanced batches of 512, nesterov SGD lr 0.01, weight decay 5e-4,
# cosine decay over 5 epochs. Testing reports the mean number of experts and
# GFLOPs per image. Published (their MODEL_ZOO.md, 3 experts with the
# router): 55.7 (many / medium / few 67.0 / 52.2 / 36.0).
_base_ = './resnext50_ride.py'

load_from = 'work_dirs/resnext50_ride/epoch_100.pth'

# the routers are new; the RIDE loss's class counts are not needed
partial_load_keys = ['head.routers', 'head.loss_module']

model = dict(
    type='lt_mm.RoutedExpertClassifier',
    routing=True,
    head=dict(
        _delete_=True,
        type='lt_mm.ExpertRouterClsHead',
        num_classes=1000,
        in_channels=1536,
        num_experts=3,
        top_k=50,
        hidden_channels=16,
        pos_weight=100.0))

train_dataloader = dict(
    batch_size=512,
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
