"""NorCal applied by tools/test.py to a checkpoint of the demo baseline
(configs/demo/mask_rcnn.py), as the authors apply it to a trained model
at evaluation with the tuned gamma on the command line (tydpan/NorCal
README.md L24; projects/NorCal/norcal/roi_heads.py L89-L109 calibrates the
box predictor's probabilities only).

The checkpoint is the baseline model freshly built (no training), saved as
MMEngine saves it. Before lt_mm.NorCalCalibration existed the NorCal config
did not build (unregistered type); with the counts saved as buffers the
baseline checkpoint would lack them and tools/test.py would refuse it
without --partial-load.
"""
import pickle
import sys

import pytest
import torch

from tests.e2e.tooling import run
from tests.tools.test_checkpoint_mismatch import save_demo_model

BASELINE = 'configs/demo/mask_rcnn.py'
NORCAL = 'configs/demo/norcal_mask_rcnn.py'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return save_demo_model(
        tmp_path_factory.mktemp('baseline') / 'epoch_5.pth', 20)


def tool_test(config, checkpoint, data, work_dir, *options):
    """tools/test.py on 1 demo validation image; its output and
    predictions."""
    root = f'{data}/'
    out = work_dir / 'predictions.pkl'
    output = run([
        sys.executable, 'tools/test.py', config,
        str(checkpoint), '--work-dir',
        str(work_dir), '--out',
        str(out), '--cfg-options',
        f'train_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        'test_dataloader.dataset.indices=1', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        f'test_evaluator.ann_file={root}annotations/lvis_v1_val.json',
        *options
    ])
    with open(out, 'rb') as f:
        return output, [p['pred_instances'] for p in pickle.load(f)]


def same(a, b):
    return all(
        torch.equal(x[k], y[k]) for x, y in zip(a, b)
        for k in ('bboxes', 'labels', 'scores'))


def test_norcal_tests_the_baseline_checkpoint_with_the_training_counts(
        checkpoint, demo_data, tmp_path):
    """The baseline checkpoint loads whole (no --partial-load), the 400
    demo training images' counts reach the calibration before testing, and
    the predictions are the baseline's at gamma = 0 (the authors' 'off',
    projects/NorCal/norcal/config.py L8) and calibrated at gamma = 1."""
    _, baseline = tool_test(BASELINE, checkpoint, demo_data,
                            tmp_path / 'base')
    gamma = 'model.roi_head.bbox_head.loss_cls.gamma='
    output, off = tool_test(NORCAL, checkpoint, demo_data,
                            tmp_path / 'off', gamma + '0')
    assert same(off, baseline)
    output, calibrated = tool_test(NORCAL, checkpoint, demo_data,
                                   tmp_path / 'on', gamma + '1.0')
    assert 'partial_load_keys' not in output
    assert ('class statistics of 20 classes over 400 images handed to '
            'roi_head.bbox_head.loss_cls') in output
    assert 'lvis/segm_APr:' in output
    assert not same(calibrated, baseline)
    # the baseline's test settings: score_thr 1e-4, 300 detections
    assert len(calibrated[0]['scores']) == 300
    assert calibrated[0]['scores'].min() > 1e-4
