"""``tools/train.py --resume`` continues the interrupted run exactly (CPU).

The Seesaw demo detector trains two epochs on four demo images, once
uninterrupted and once resumed from the first run's epoch-1 checkpoint (what
a run killed during epoch 2 leaves), in a fresh process. Every source of
randomness is on: the repeat-factor sampler, RPN / RoI sampling in the main
process, ``RandomFlip`` in a persistent data-loader worker. With
``randomness=dict(seed=0, deterministic=True)`` both runs must end with the
same tensors bit for bit (weights, BN statistics, Seesaw's cumulative class
counts) and log the same epoch-2 losses.

Before lt_mm.RNGStateHook the resumed run differed (checked by replacing
the hook: 135 of 161 tensors differed, Seesaw's ``cum_samples`` among them,
and so did the epoch-2 losses): a resumed MMEngine 0.10.7 process starts its
generators from the seed and restores none (mmengine/runner/runner.py
L375-L376 and L2051-L2060), and its new persistent worker replays epoch 1's
flips (mmengine/dataset/utils.py L36-L39: ``seed + worker_id + num_workers *
rank``, once per worker).
"""
import json
import sys

import torch
from mmengine.config import Config

from .tooling import run

CONFIG = 'configs/demo/seesaw_mask_rcnn.py'
SEESAW_COUNTS = 'roi_head.bbox_head.loss_cls.cum_samples'
# what changes from run to run however equal the runs are
UNTIMED = ('time', 'data_time', 'memory', 'eta')


def train(work_dir, data_root, *extra):
    return run([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), *extra, '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}/',
        'train_dataloader.dataset.indices=4', 'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=1',
        'train_dataloader.persistent_workers=True', 'train_cfg.max_epochs=2',
        'val_cfg=None', 'val_dataloader=None', 'val_evaluator=None',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=-1',
        'default_hooks.logger.interval=1', 'log_processor.window_size=1',
        'randomness.seed=0', 'randomness.deterministic=True'
    ], OMP_NUM_THREADS='1')  # two cores, shared: threads would only spin


def load(checkpoint):
    # written by the runs above; the resume already loaded one weights-only
    return torch.load(checkpoint, weights_only=False)


def epoch_losses(work_dir, epoch):
    """The per-iteration values logged in ``epoch``, without timings."""
    [scalars] = work_dir.glob('*/vis_data/scalars.json')
    with open(scalars) as f:
        logs = [json.loads(line) for line in f]
    return [{k: v
             for k, v in log.items() if k not in UNTIMED}
            for log in logs if log.get('epoch') == epoch]


def test_resumed_training_equals_uninterrupted_training(demo_data, tmp_path):
    pipeline = Config.fromfile(
        CONFIG, import_custom_modules=False).train_dataloader.dataset.pipeline
    assert 'RandomFlip' in [t['type'] for t in pipeline]
    whole, resumed = tmp_path / 'whole', tmp_path / 'resumed'
    train(whole, demo_data)
    output = train(resumed, demo_data, '--resume',
                   str(whole / 'epoch_1.pth'))
    assert 'resumed epoch: 1' in output

    first = load(whole / 'epoch_1.pth')
    expected = load(whole / 'epoch_2.pth')
    actual = load(resumed / 'epoch_2.pth')
    assert actual['state_dict'].keys() == expected['state_dict'].keys()
    different = [
        key for key, value in expected['state_dict'].items()
        if not torch.equal(actual['state_dict'][key], value)
    ]
    assert different == [], (
        f'{len(different)} of {len(expected["state_dict"])} tensors differ')
    # epoch 2 counted more samples into Seesaw's statistics
    assert expected['state_dict'][SEESAW_COUNTS].sum() > \
        first['state_dict'][SEESAW_COUNTS].sum()

    losses = epoch_losses(whole, 2)
    assert len(losses) == 2 and all(log['loss'] > 0 for log in losses)
    assert epoch_losses(resumed, 2) == losses
