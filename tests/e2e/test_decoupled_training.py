"""Decoupled (second-stage) training from config alone: a demo baseline is
trained, then a method config loads it and trains only its classifier.

The tools run through the session's preloaded tool server
(tests/preloaded_tools.py): nothing here compares runs across processes or
needs an environment variable at start-up. The training runs skip the
validation that closes them (``val_begin=2`` of one epoch): the checkpoint is
written before it, and tools/test.py evaluates the second stage, on the 8
images that close a demo training run (demo_options)."""
import sys

import pytest
import torch

from .test_train_test import LVIS_KEYS, demo_options, parse_lvis_metrics

CLASSIFIER = ('roi_head.bbox_head.fc_cls.', )
SECOND_STAGES = {
    'configs/demo/mask_rcnn_classifier.py': CLASSIFIER,
    'configs/demo/acsl_mask_rcnn.py': CLASSIFIER,
    'configs/demo/bags_mask_rcnn.py': CLASSIFIER,
}


def train(tools, work_dir, data_root, *extra,
          config='configs/demo/mask_rcnn.py'):
    """One epoch of ``config`` on the demo slice, without validation."""
    return tools.run([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), '--cfg-options',
        *demo_options(data_root, config, epochs=1), 'train_cfg.val_begin=2',
        *extra
    ])


@pytest.fixture(scope='module')
def baseline(tmp_path_factory, demo_data, preloaded_tools):
    work_dir = tmp_path_factory.mktemp('baseline')
    train(preloaded_tools, work_dir, demo_data)
    return work_dir / 'epoch_1.pth'


@pytest.mark.parametrize('config', sorted(SECOND_STAGES))
def test_second_stage_trains_only_the_named_parts(config, baseline,
                                                  demo_data, preloaded_tools,
                                                  tmp_path):
    train(preloaded_tools, tmp_path, demo_data, f'load_from={baseline}',
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

    output = preloaded_tools.run([
        sys.executable, 'tools/test.py', config,
        str(tmp_path / 'epoch_1.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *demo_options(demo_data, config),
        'test_dataloader.dataset.indices=8'
    ])
    metrics = parse_lvis_metrics(output)
    assert all(f'segm_{key}' in metrics for key in LVIS_KEYS)
