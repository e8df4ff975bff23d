"""SADE end to end on the digits demo: configs/digits_lt/sade.py trains its
three experts through tools/train.py, and tools/test.py with
configs/digits_lt/sade_test_time.py learns the aggregation weights on the
test images before testing with them (Vanint/SADE-AgnosticLT,
test_training_cifar.py L312-L323: weights from 1/3, at most 5 passes)."""
import re
import sys

import pytest
import torch

pytest.importorskip('mmpretrain')
pytest.importorskip('sklearn')


def test_sade_trains_and_tests_with_test_time_aggregation(
        preloaded_tools, tmp_path):
    # two epochs, no validation: the test below evaluates
    preloaded_tools.run([
        sys.executable, 'tools/train.py', 'configs/digits_lt/sade.py',
        '--work-dir', str(tmp_path / 'train'), '--cfg-options',
        'train_cfg.max_epochs=2', 'train_cfg.val_interval=3'
    ])
    checkpoint = tmp_path / 'train' / 'epoch_2.pth'
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    assert state['head.loss_module.class_counts'].tolist() == [
        124, 80, 51, 33, 21, 14, 9, 5, 3, 2
    ]
    assert state['head.aggregation_weights'].tolist() == pytest.approx(
        [1 / 3] * 3)
    assert {k.split('.')[2] for k in state
            if k.startswith('backbone.experts.')} == {'0', '1', '2'}

    output = preloaded_tools.run([
        sys.executable, 'tools/test.py', 'configs/digits_lt/sade_test_time.py',
        str(checkpoint), '--work-dir', str(tmp_path / 'test'),
        '--cfg-options', 'custom_hooks.0.max_epochs=3'
    ])
    passes = re.findall(
        r'SADE test-time aggregation, pass (\d): expert weights '
        r'([\d.]+), ([\d.]+), ([\d.]+)', output)
    assert 1 <= len(passes) <= 3
    assert [int(p[0]) for p in passes] == list(range(1, len(passes) + 1))
    weights = [float(w) for w in re.findall(
        r'testing with expert weights ([\d.]+), ([\d.]+), ([\d.]+)',
        output)[-1]]
    assert sum(weights) == pytest.approx(1, abs=1e-3)
    assert weights != pytest.approx([1 / 3] * 3, abs=1e-3)  # learned
    if len(passes) < 3:  # stopped early: a rounded weight below 0.05
        assert min(float(w) for w in passes[-1][1:]) < 0.05
    assert 'over 500 test images' in output
    top1 = float(re.findall(r'lt/top1: ([\d.]+)', output)[-1])
    assert 0 <= top1 <= 100
