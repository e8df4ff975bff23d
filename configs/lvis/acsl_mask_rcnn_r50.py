# Adaptive Class Suppression Loss (Wang et al., CVPR 2021), decoupled as in
# the paper (see mask_rcnn_r50_classifier_1x.py): the baseline's classifier
# fine-tuned with ACSL, xi = 0.7, random sampling, 12 epochs at lr 0.02; test
# scores sigmoid(z_j), the background logit left out, as in the authors'
# code (CASIA-IVA-Lab/ACSL, use_sigmoid=True).
# Published (Faster R-CNN R50-FPN, LVIS v0.5): 26.36 box AP against the
# baseline's 21.18.
_base_ = './mask_rcnn_r50_classifier_1x.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.AdaptiveClassSuppressionLoss',
                num_classes=1203,
                score_thr=0.7,
                loss_weight=1.0))))

# Keys this stage initialises itself instead of loading them from its first
# stage (lt_mm.engine.runner): ACSL's statistics buffers.
partial_load_keys = ['roi_head.bbox_head.loss_cls']
