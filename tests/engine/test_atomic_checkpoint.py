"""lt_mm.AtomicCheckpointHook: a run killed during a save keeps a usable
checkpoint, and old checkpoints go only after the new one is in place.

MMEngine 0.10.7's CheckpointHook (open-mmlab/mmengine v0.10.7,
mmengine/hooks/checkpoint_hook.py: ``_save_checkpoint_with_step`` L413-L461,
``_save_best_checkpoint`` L530-L568) deletes the outdated / previous best
checkpoint first, then writes the new one with ``LocalBackend.put``
(mmengine/fileio/backends/local_backend.py L76-L78: open(path,
'wb').write) and then ``last_checkpoint`` with open(path, 'w') (L459-L461).
The run tests fail with ``HOOK = 'CheckpointHook'`` (checked by running them
so), the config test on the runtime bases before this hook.
"""
import glob
import os
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

import lt_mm  # noqa: F401  (weights-only loading of mmengine checkpoints)
from tests.e2e.tooling import ROOT
from tests.test_config_bases import base_strings
from .toy_checkpoint_run import KILLED, build_runner

HOOK = 'lt_mm.AtomicCheckpointHook'


def toy_run(tools, work_dir, *args, expect=0):
    """``python -m tests.engine.toy_checkpoint_run``, forked by the
    preloaded tool server (tests/preloaded_tools.py): a process of its own,
    which a kill ends."""
    returncode, output = tools.call(
        [sys.executable, '-m', 'tests.engine.toy_checkpoint_run',
         str(work_dir), '--hook', HOOK, *args], timeout=300)
    assert returncode == expect, output[-3000:]
    return output


def load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def last_checkpoint(work_dir):
    """The checkpoint ``last_checkpoint`` names, loaded whole."""
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        path = f.read()
    assert osp.isfile(path), f'last_checkpoint names a missing file {path!r}'
    return path, load(path)


def assert_every_checkpoint_loads(work_dir):
    # a truncated file raises here (pickle / zip errors)
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        load(path)


def test_kill_during_checkpoint_write_keeps_the_previous_one(
        preloaded_tools, tmp_path):
    """max_keep_ckpts=1 (the demo configs): killed while writing epoch 2,
    epoch 1 is still there, named by last_checkpoint, and --resume
    continues from it; afterwards only epoch 3 is kept."""
    toy_run(preloaded_tools, tmp_path, '--max-keep-ckpts', '1', '--kill-at',
            'epoch_2.pth:1', expect=KILLED)
    path, ckpt = last_checkpoint(tmp_path)
    assert osp.basename(path) == 'epoch_1.pth'
    assert ckpt['meta']['epoch'] == 1
    assert not osp.exists(tmp_path / 'epoch_2.pth')
    assert_every_checkpoint_loads(tmp_path)
    # the killed write's temporary file is still there ...
    assert len(glob.glob(str(tmp_path / '.epoch_2.pth.*'))) == 1

    output = toy_run(preloaded_tools, tmp_path, '--max-keep-ckpts', '1',
                     '--resume')
    assert 'resumed epoch: 1' in output
    # ... until the resumed run removes it
    assert not glob.glob(str(tmp_path / '.*'))
    assert glob.glob(str(tmp_path / '*.pth')) == [str(tmp_path /
                                                      'epoch_3.pth')]
    path, ckpt = last_checkpoint(tmp_path)
    assert osp.basename(path) == 'epoch_3.pth'
    assert ckpt['meta']['epoch'] == 3


def test_kill_during_last_checkpoint_write(preloaded_tools, tmp_path):
    """Killed while writing last_checkpoint for epoch 2: it still names a
    complete checkpoint (epoch 1, not yet deleted)."""
    toy_run(preloaded_tools, tmp_path, '--max-keep-ckpts', '1', '--kill-at',
            'last_checkpoint:2', expect=KILLED)
    path, ckpt = last_checkpoint(tmp_path)
    assert osp.basename(path) == 'epoch_1.pth'
    assert ckpt['meta']['epoch'] == 1
    assert_every_checkpoint_loads(tmp_path)


def test_kill_during_best_checkpoint_write(preloaded_tools, tmp_path):
    """save_best: killed while writing epoch 2's best checkpoint, the best
    checkpoint that the last checkpoint records (epoch 1's) still loads."""
    toy_run(preloaded_tools, tmp_path, '--max-keep-ckpts', '1', '--save-best',
            'acc', '--kill-at', 'best_acc_epoch_2.pth:1', expect=KILLED)
    _, ckpt = last_checkpoint(tmp_path)
    best = ckpt['message_hub']['runtime_info']['best_ckpt']
    assert osp.basename(best) == 'best_acc_epoch_1.pth'
    assert osp.isfile(best), f'the recorded best checkpoint {best} is gone'
    assert load(best)['meta']['epoch'] == 1
    assert not osp.exists(tmp_path / 'best_acc_epoch_2.pth')
    assert_every_checkpoint_loads(tmp_path)


def test_old_checkpoints_are_deleted_only_after_the_new_one_is_in_place(
        tmp_path, monkeypatch):
    """max_keep_ckpts=1 and save_best over 3 epochs: epochs 1 and 2 and
    best 1 and 2 are deleted, each only once its successor loads (and, for
    epoch checkpoints, last_checkpoint names the successor)."""
    removals, real_remove = [], os.remove

    def remove(path):
        path = str(path)
        name = osp.basename(path)
        if name.endswith('.pth'):
            epoch = int(name[:-len('.pth')].rsplit('_', 1)[1])
            successor = osp.join(
                osp.dirname(path),
                name.replace(f'_{epoch}.', f'_{epoch + 1}.'))
            loads = osp.isfile(successor) and bool(load(successor))
            with open(tmp_path / 'last_checkpoint') as f:
                last = f.read()
            removals.append((name, loads, osp.basename(last)))
        real_remove(path)

    monkeypatch.setattr(os, 'remove', remove)
    build_runner(
        tmp_path, HOOK, max_epochs=3, max_keep_ckpts=1,
        save_best='acc').train()

    assert [r[0] for r in removals] == [
        'epoch_1.pth', 'best_acc_epoch_1.pth', 'epoch_2.pth',
        'best_acc_epoch_2.pth'
    ]
    assert all(loads for _, loads, _ in removals), removals
    assert [last for name, _, last in removals
            if name.startswith('epoch')] == ['epoch_2.pth', 'epoch_3.pth']
    assert sorted(p for p in os.listdir(tmp_path) if p.endswith('.pth')) == [
        'best_acc_epoch_3.pth', 'epoch_3.pth'
    ]
    path, ckpt = last_checkpoint(tmp_path)
    assert osp.basename(path) == 'epoch_3.pth'
    assert ckpt['message_hub']['runtime_info']['keep_ckpt_ids'] == [3]
    assert osp.basename(ckpt['message_hub']['runtime_info']['best_ckpt']) == \
        'best_acc_epoch_3.pth'


CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))
    if osp.basename(osp.dirname(p)) != '_base_')
RUNTIMES = [
    osp.join(ROOT, 'configs', '_base_', name)
    for name in ('default_runtime.py', 'cls_runtime.py')
]


def runtimes_reached(path):
    """The lt_mm runtime bases a config file's ``_base_`` chain reaches."""
    if path in RUNTIMES:
        return {path}
    reached = set()
    for base in base_strings(path):
        if '::' not in base:
            reached |= runtimes_reached(
                osp.normpath(osp.join(osp.dirname(path), base)))
    return reached


def test_every_config_saves_through_the_atomic_hook():
    """Both runtime bases set the hook, every config inherits one of them,
    and no config names another checkpoint hook type (read from the files:
    resolving all 68 configs would take most of a minute)."""
    for runtime in RUNTIMES:
        assert Config.fromfile(runtime).default_hooks.checkpoint.type == HOOK
    for config in CONFIGS:
        assert runtimes_reached(config), config
        assert 'CheckpointHook' not in open(config).read(), config
