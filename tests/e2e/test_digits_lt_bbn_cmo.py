"""BBN and CMO end to end on the digits demo through tools/train.py and
tools/test.py: the paired loader feeds the training step, the checkpoint
holds both BBN branches, and the test run (a plain loader, both branches
at equal weight; CMO off at test time) reproduces the last validation.
The runs fork from the preloaded tool server (tests/preloaded_tools.py)."""
import re
import sys

import pytest
import torch

pytest.importorskip('mmpretrain')
pytest.importorskip('sklearn')

KEYS = ('top1', 'many', 'medium', 'few')


def shot_metrics(output):
    line = [x for x in output.splitlines() if 'lt/top1' in x][-1]
    return {k: float(re.search(rf'lt/{k}: ([\d.]+)', line).group(1))
            for k in KEYS}


@pytest.mark.parametrize('method', ['bbn', 'cmo'])
def test_trains_and_tests_through_the_tools(method, preloaded_tools,
                                            tmp_path):
    config = f'configs/digits_lt/{method}.py'
    # two epochs: CMO is on from epoch 1 (data_preprocessor.begin), BBN's
    # alpha falls from 1 to 1 - (1 / 2)^2 = 0.75
    train_out = preloaded_tools.run([
        sys.executable, 'tools/train.py', config, '--work-dir', tmp_path,
        '--cfg-options', 'train_cfg.max_epochs=2', 'train_cfg.val_interval=2'
    ])
    checkpoint = tmp_path / 'epoch_2.pth'
    state = torch.load(checkpoint, weights_only=False)['state_dict']
    if method == 'bbn':
        assert state['backbone.conventional.conv1.weight'].shape == \
            state['backbone.rebalancing.conv1.weight'].shape
        assert state['head.fc.weight'].shape == (10, 64)
    # one pass over the 342 training images: 11 steps of 32 pairs (the
    # logger writes every 5th)
    assert re.search(r'Epoch\(train\) +\[2\]\[10/11\]', train_out)
    test_out = preloaded_tools.run([
        sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
        tmp_path
    ])
    val, test = shot_metrics(train_out), shot_metrics(test_out)
    assert test == pytest.approx(val, abs=1e-3)
    assert all(0 <= v <= 100 for v in test.values())
