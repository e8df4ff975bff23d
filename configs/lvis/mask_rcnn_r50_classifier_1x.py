# Decoupled second stage (Kang et al., ICLR 2020): the baseline
# (mask_rcnn_r50.py, trained first) is loaded and only its classifier is
# trained, here with plain softmax cross-entropy and random sampling for 12
# epochs at lr 0.02 (the settings of ./mask_rcnn_r50_random_1x.py). It is
# the control for, and the base of, the decoupled methods (ACSL, BAGS),
# which swap the classifier's loss.
_base_ = './mask_rcnn_r50_random_1x.py'

# The first stage: the baseline's last checkpoint. A classifier of another
# shape (BAGS) keeps its fresh initialisation.
load_from = 'work_dirs/mask_rcnn_r50/epoch_24.pth'
optim_wrapper = dict(
    constructor='lt_mm.DecoupledOptimWrapperConstructor',
    paramwise_cfg=dict(trainable=['roi_head.bbox_head.fc_cls']))
# the frozen parameters receive no gradients
find_unused_parameters = True
