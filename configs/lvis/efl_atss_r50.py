# Equalized Focal Loss (Li et al., CVPR 2022) on the ATSS baseline
# (./atss_r50.py: R50-FPN, repeat factors, 2x), only the loss swapped:
# gamma_b 2, s 8, alpha 0.25, classifier bias prior 0.001, the authors'
# improved-baseline settings (ModelTC/United-Perception,
# configs/det/efl/efl_improved_baseline_r50_2x_rfs.yaml L168-L175, L158).
# Published there (benchmark/equalized_focal_loss.md, LVIS v1 val, 16 GPUs,
# with their IoU branch): AP 27.5, APr 20.2, APc 26.1, APf 32.4.
_base_ = './atss_r50.py'

model = dict(
    bbox_head=dict(
        loss_cls=dict(
            _delete_=True,
            type='lt_mm.EqualizedFocalLoss',
            num_classes=1203,
            use_sigmoid=True,
            gamma=2.0,
            scale_factor=8.0,
            alpha=0.25,
            loss_weight=1.0,
            prior_prob=0.001)))
