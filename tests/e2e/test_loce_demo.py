"""LOCE's fine-tune stage from config alone: a demo baseline is trained, then
configs/demo/loce_mask_rcnn.py fills its feature memory, fine-tunes the
named parts with the equilibrium loss and memory sampling, and tools/test.py
reports LVIS metrics."""
import re
import sys

import pytest
import torch

from .test_train_test import (LVIS_KEYS, demo_options, parse_lvis_metrics,
                              train)
from .tooling import run

CONFIG = 'configs/demo/loce_mask_rcnn.py'
TRAINED = ('rpn_head.', 'roi_head.bbox_head.fc_cls.',
           'roi_head.bbox_head.fc_reg.', 'roi_head.mask_head.')


@pytest.fixture(scope='module')
def baseline(tmp_path_factory, demo_data):
    work_dir = tmp_path_factory.mktemp('loce_baseline')
    train(work_dir, demo_data, epochs=1)
    return work_dir / 'epoch_1.pth'


def test_loce_fine_tunes_the_demo_baseline(baseline, demo_data, tmp_path):
    output = train(tmp_path, demo_data, f'load_from={baseline}', epochs=1,
                   config=CONFIG)
    # the initialiser ran a class-balanced pass: 5 images of every class
    # (fcjian/LOCE, mmdet/apis/train.py L152: queue_size // 16) in batches
    # of 8, and every class with an image filled its queue of 80
    images = int(re.search(
        r'feature memory initialisation: (\d+) images, 5 of each class',
        output).group(1))
    assert images % 5 == 0 and images > 0
    batches = -(-images // 8)
    assert f'feature memory initialisation: {batches} / {batches}' in output
    filled, full = map(int, re.search(
        r'holds features of (\d+) / 20 classes \((\d+) full\)',
        output).groups())
    assert filled == full == images // 5

    first = torch.load(baseline, weights_only=True)['state_dict']
    second = torch.load(tmp_path / 'epoch_1.pth',
                        weights_only=True)['state_dict']
    mean_score = second.pop('roi_head.mean_score')
    # the mean scores' count of non-finite rows left out: none in the demo
    guard = 'roi_head.statistics_guard.'
    assert second.pop(guard + 'skipped_rows') == 0
    assert second.pop(guard + 'updates') > 0
    assert not any('feature_memory' in k for k in second)
    changed = {k for k in second if not torch.equal(first[k], second[k])}
    # backbone, neck and the box head's shared layers are stage one's
    assert changed and all(k.startswith(TRAINED) for k in changed)
    assert any(k.startswith('roi_head.mask_head.') for k in changed)
    # mean scores moved for the classes seen, background fixed
    assert mean_score.shape == (21, )
    assert (mean_score[:20] != 0.01).sum() > 0
    assert mean_score[-1].item() == pytest.approx(0.01)
    assert ((mean_score > 0) & (mean_score < 1)).all()

    output = run([
        sys.executable, 'tools/test.py', CONFIG,
        str(tmp_path / 'epoch_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *demo_options(demo_data, CONFIG)
    ])
    metrics = parse_lvis_metrics(output)
    assert all(f'{t}_{key}' in metrics for t in ('bbox', 'segm')
               for key in LVIS_KEYS)
