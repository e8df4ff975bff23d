# The one-stage demo baseline (../atss.py: ATSS, sigmoid focal loss, repeat
# factors, 5 epochs) on the hard demo set, changed as mask_rcnn.py changes
# the Mask R-CNN demo: 48 classes, data in data/lvis_demo_hard/ and the
# repeat threshold t = 1/3 (classes in fewer than 100 of the 300 images
# repeat). 5 epochs of 107 iterations, about 4 minutes on 2 cores.
# efl_atss.py swaps the loss.
_base_ = '../atss.py'

num_classes = 48
data_root = 'data/lvis_demo_hard/'
lvis_demo = dict(preset='hard')

model = dict(bbox_head=dict(num_classes=num_classes))

train_dataloader = dict(
    sampler=dict(repeat_thr=0.333), dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/lvis_v1_val.json')
test_evaluator = val_evaluator
