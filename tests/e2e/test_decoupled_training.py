"""Decoupled (second-stage) training from config alone: a demo baseline is
trained, then a method config loads it and trains only its classifier."""
import sys

import pytest
import torch

from .test_train_test import (LVIS_KEYS, demo_options, parse_lvis_metrics,
                              train)
from .tooling import run

CLASSIFIER = ('roi_head.bbox_head.fc_cls.', )
SECOND_STAGES = {
    'configs/demo/mask_rcnn_classifier.py': CLASSIFIER,
    'configs/demo/acsl_mask_rcnn.py': CLASSIFIER,
    'configs/demo/bags_mask_rcnn.py': CLASSIFIER,
}


@pytest.fixture(scope='module')
def baseline(tmp_path_factory, demo_data):
    work_dir = tmp_path_factory.mktemp('baseline')
    train(work_dir, demo_data, epochs=1)
    return work_dir / 'epoch_1.pth'


@pytest.mark.parametrize('config', sorted(SECOND_STAGES))
def test_second_stage_trains_only_the_named_parts(config, baseline,
                                                  demo_data, tmp_path):
    train(tmp_path, demo_data, f'load_from={baseline}', epochs=1,
          config=config)
    first = torch.load(baseline, weights_only=True)['state_dict']
    second = torch.load(tmp_path / 'epoch_1.pth',
                        weights_only=True)['state_dict']
    trained = SECOND_STAGES[config]
    changed = {
        k for k in second
        if k not in first or first[k].shape != second[k].shape
        or not torch.equal(first[k], second[k])
    }
    # every other weight and BatchNorm statistic is stage one's
    assert {k for k in changed if '.loss_cls.' not in k} == {
        prefix + name for prefix in trained for name in ('weight', 'bias')}

    output = run([
        sys.executable, 'tools/test.py', config,
        str(tmp_path / 'epoch_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *demo_options(demo_data, config)
    ])
    metrics = parse_lvis_metrics(output)
    assert all(f'segm_{key}' in metrics for key in LVIS_KEYS)
