# The demo baseline (../mask_rcnn.py: a narrow ResNet-18 Mask R-CNN trained
# from scratch, softmax CE, repeat factor sampling) on the hard demo set:
# `python tools/dataset_converters/lvis_demo.py --preset hard --out
# data/lvis_demo_hard` (48 classes, 300 training images of 128 px, rare
# classes in 1-5 images, rare look-alikes of frequent and common classes).
# Schedule: 2 epochs (212 iterations of 8 images with the repeat factors),
# linear warm-up for 50 iterations then cosine decay to 0 by iteration, so
# that a method with another epoch length (random sampling: 38 iterations
# an epoch) decays over its own run; a training step costs about 1 CPU
# second, so the run takes about 5 minutes on 2 cores.
# The hard method configs inherit from this file; tools/analysis/study.py
# runs them over seeds (benchmarks/studies/demo_hard.py).
_base_ = '../mask_rcnn.py'

num_classes = 48
data_root = 'data/lvis_demo_hard/'
# the generator's arguments (lt_mm.datasets.lvis_demo.generate_lvis_demo):
# tools/analysis/study.py generates the set in data_root when it is missing
lvis_demo = dict(preset='hard')

model = dict(
    roi_head=dict(
        bbox_head=dict(num_classes=num_classes),
        mask_head=dict(num_classes=num_classes)))

train_dataloader = dict(
    # t = 0.001 repeats classes seen in fewer than ~100 of LVIS v1's 100k
    # training images; the same cut on 300 images is t = 1/3.
    sampler=dict(repeat_thr=0.333),
    dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/lvis_v1_val.json')
test_evaluator = val_evaluator

max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
