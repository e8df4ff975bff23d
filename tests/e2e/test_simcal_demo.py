"""SimCal from its config alone: the demo baseline is trained, SimCal loads
it, trains only the calibration head on bi-level sampled episodes, and
tools/test.py evaluates the dual-head detector from the checkpoint."""
import sys

import pytest
import torch

from .test_train_test import (LVIS_KEYS, demo_options, parse_lvis_metrics,
                              train)
from .tooling import run

CONFIG = 'configs/demo/simcal_mask_rcnn.py'
# training runs skip the closing validation; tools/test.py evaluates
NO_VAL = ('val_dataloader=None', 'val_cfg=None', 'val_evaluator=None')


@pytest.fixture(scope='module')
def baseline(tmp_path_factory, demo_data):
    work_dir = tmp_path_factory.mktemp('baseline')
    train(work_dir, demo_data, *NO_VAL, epochs=1)
    return work_dir / 'epoch_1.pth'


def test_simcal_trains_the_calibration_head_and_tests_with_two_heads(
        baseline, demo_data, tmp_path):
    output = train(tmp_path, demo_data, f'load_from={baseline}',
                   'train_dataloader.sampler.episodes_per_epoch=2', *NO_VAL,
                   epochs=1, config=CONFIG)
    assert 'calibration head initialised from the box head' in output
    first = torch.load(baseline, weights_only=True)['state_dict']
    second = torch.load(tmp_path / 'epoch_1.pth',
                        weights_only=True)['state_dict']
    head = 'roi_head.calibration_head.'
    changed = {
        k for k in second
        if k in first and not torch.equal(first[k], second[k])
    }
    # the detector is untouched: its weights and BatchNorm statistics
    assert changed == set()
    new = {k for k in second if k not in first}
    assert {k for k in new if not k.startswith(head)} == {
        'roi_head.instance_counts', 'roi_head.calibrated',
        'roi_head.has_statistics'}
    assert second['roi_head.has_statistics']
    assert second['roi_head.calibrated'] == 1
    # counts of the 16 training images, handed over by ClassStatisticsHook
    counts = second['roi_head.instance_counts']
    assert counts.shape == (20, ) and (counts >= 0).all() and counts.sum() > 0
    # 2 FC + classifier, started from the box head and trained 2 episodes
    calibration = {k[len(head):] for k in new if k.startswith(head)}
    assert calibration == {
        f'{layer}.{p}' for layer in ('shared_fcs.0', 'shared_fcs.1', 'fc_cls')
        for p in ('weight', 'bias')}
    for name in calibration:
        source = first[f'roi_head.bbox_head.{name}']
        trained = second[head + name]
        assert trained.shape == source.shape
        assert not torch.equal(trained, source)
        assert torch.allclose(trained, source, atol=0.1)

    output = run([
        sys.executable, 'tools/test.py', CONFIG,
        str(tmp_path / 'epoch_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *demo_options(demo_data, CONFIG),
        'test_dataloader.dataset.indices=8'
    ])
    metrics = parse_lvis_metrics(output)
    for iou_type in ('bbox', 'segm'):
        for key in LVIS_KEYS:
            assert f'{iou_type}_{key}' in metrics, (iou_type, key,
                                                     output[-2000:])
