# LOCE's first stage (Feng et al., ICCV 2021): Mask R-CNN R50-FPN, softmax
# cross-entropy, a normalised (cosine, scale 20) mask predictor, multi-scale
# training, 2x, with plain random sampling (no repeat factors, unlike
# ./mask_rcnn_r50.py). ./loce_mask_rcnn_r50.py fine-tunes its last
# checkpoint.
_base_ = './mask_rcnn_r50.py'

# the baseline's repeat factors off
train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))

# the authors' "normed_mask" head
model = dict(
    roi_head=dict(
        mask_head=dict(predictor_cfg=dict(type='lt_mm.NormedConv2d'))))
