# SADE's test-time self-supervised aggregation on long-tailed digits: the
# CPU demo of configs/cifar100_lt/resnet32_sade_test_time.py. The two views
# of a test digit are one-pixel random shifts (a crop of the image padded by
# one pixel, the digits' counterpart of CIFAR's padded crop); grey 8x8
# digits take no colour jitter, grayscale or blur. SGD lr 0.1, weights from
# 1/3, at most 5 passes, stopping when a rounded weight falls below 0.05:
#   python tools/test.py configs/digits_lt/sade_test_time.py \
#       work_dirs/sade/epoch_20.pth
_base_ = './sade.py'

custom_hooks = [
    dict(
        type='lt_mm.TestTimeAggregationHook',
        pipeline=[
            dict(
                type='MultiView',
                num_views=2,
                transforms=[[dict(type='RandomCrop', crop_size=8,
                                  padding=1)]]),
            dict(type='PackInputs'),
        ],
        batch_size=128,
        max_epochs=5,
        lr=0.1,
        momentum=0.9,
        weight_decay=5e-4,
        nesterov=True)
]
