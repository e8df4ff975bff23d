# NorCal (Pan et al., NeurIPS 2021): post-hoc calibration of the baseline
# Mask R-CNN R50-FPN (./mask_rcnn_r50.py: softmax cross-entropy, repeat
# factor sampling t = 0.001, multi-scale, 2x); nothing is retrained. At test
# time each foreground score is divided by (training images of its class) **
# gamma, the background score is kept and the C + 1 scores are renormalised
# (lt_mm.NorCalCalibration around the baseline's loss_cls). The counts are
# the training set's, counted by lt_mm.ClassStatisticsHook before testing
# (the LVIS v1 training annotations are read once). Test settings as the
# authors' (tydpan/NorCal projects/NorCal/configs/Base-NorCal.yaml L28, L41)
# and the baseline's: score_thr 1e-4, 300 detections per image.
#
# No load_from: test the baseline's own checkpoint, which loads as it is
# (the wrapped loss saves and loads under loss_cls, NorCal saves nothing):
#   python tools/test.py configs/lvis/norcal_mask_rcnn_r50.py \
#       work_dirs/mask_rcnn_r50/epoch_24.pth \
#       --cfg-options model.roi_head.bbox_head.loss_cls.gamma=G
# gamma is tuned per model, as the authors do (their code's default, 0,
# turns the calibration off; their README passes the tuned value on the
# command line), so this config asks for it.
_base_ = './mask_rcnn_r50.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='lt_mm.NorCalCalibration',
                gamma=None,
                num_classes={{_base_.model.roi_head.bbox_head.num_classes}},
                loss={{_base_.model.roi_head.bbox_head.loss_cls}}))))
