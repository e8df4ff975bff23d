"""The digits demo trains and tests through tools/train.py and tools/test.py,
reporting top-1 and many / medium / few-shot accuracy.

The training run forks from the session's preloaded tool server
(tests/preloaded_tools.py); the test run is a new interpreter, so the two
runs that must agree still have their own hash seeds."""
import os.path as osp
import re
import sys

import pytest

from .tooling import run

pytest.importorskip('mmpretrain')
pytest.importorskip('sklearn')

CONFIG = 'configs/digits_lt/ce.py'
KEYS = ('top1', 'many', 'medium', 'few')


def shot_metrics(output):
    line = [x for x in output.splitlines() if 'lt/top1' in x][-1]
    return {k: float(re.search(rf'lt/{k}: ([\d.]+)', line).group(1))
            for k in KEYS}


def test_digits_ce_trains_and_tests(preloaded_tools, tmp_path):
    work_dir = str(tmp_path / 'work')
    train_out = preloaded_tools.run([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
        '--cfg-options', 'train_cfg.max_epochs=4', 'train_cfg.val_interval=4'
    ])
    checkpoint = osp.join(work_dir, 'epoch_4.pth')
    assert osp.exists(checkpoint)
    test_out = run([
        sys.executable, 'tools/test.py', CONFIG, checkpoint, '--work-dir',
        work_dir
    ])
    val, test = shot_metrics(train_out), shot_metrics(test_out)
    # The test run counts the training set itself (no training in it) and
    # reproduces the last validation of the same checkpoint.
    assert test == pytest.approx(val, abs=1e-3)
    # Four epochs (of the demo's 20) learn the head digits first: above
    # chance (10 %) overall, most of the many-shot test images right.
    assert test['top1'] > 15
    assert test['many'] > 50
    assert test['many'] >= test['medium'] >= test['few']
    assert all(0 <= v <= 100 for v in test.values())
