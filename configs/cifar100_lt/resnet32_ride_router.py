# RIDE's expert router (Wang et al., ICLR 2021, Sec. 3.3), the second stage
# on CIFAR-100-LT after resnet32_ride.py, the authors' recipe
# (frank-xwang/RIDE-LongTailRecognition,
# configs/config_imbalance_cifar100_ride_ea.json): the experts frozen (their
# BatchNorm in eval mode), two routers (hidden 16, top-30 mean logits, one
# shared output layer) trained alone with the binary cross-entropy, positive
# weight 100, on class-balanced batches of 512 (a class uniformly, then one
# of its images; theirs cycles through each class's shuffled images), nesterov
# SGD lr 0.01, weight decay 5e-4, cosine decay over 5 epochs. Testing routes
# each image through as many experts as its routers ask for and reports
# the mean number of experts and GFLOPs per image next to the accuracy.
# Published (their MODEL_ZOO.md, 3 experts with the router): 48.6.
_base_ = './resnet32_ride.py'

load_from = 'work_dirs/resnet32_ride/epoch_200.pth'

# the routers are new; the RIDE loss's class counts are not needed
partial_load_keys = ['head.routers', 'head.loss_module']

model = dict(
    type='lt_mm.RoutedExpertClassifier',
    routing=True,
    head=dict(
        _delete_=True,
        type='lt_mm.ExpertRouterClsHead',
        num_classes=100,
        in_channels=48,
        num_experts=3,
        top_k=30,
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
