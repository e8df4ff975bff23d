"""A seconds-long MMEngine training run that saves a checkpoint every epoch.

Used in-process by the checkpoint tests, and as a script
(``python -m tests.engine.toy_checkpoint_run WORK_DIR ...``) for runs that are
killed on purpose: ``--kill-at NAME:N`` makes the N-th write of the file
``NAME`` write half its bytes and end the process with ``os._exit`` (no
cleanup, as a SIGKILL would), whether the hook writes the file under its
final name or under a temporary name (``.NAME.*``).
"""
import argparse
import builtins
import os
import os.path as osp
import sys
import uuid

import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

KILLED = 86  # exit status of a run killed by --kill-at


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, targets, mode='tensor'):
        outputs = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=((outputs - torch.stack(targets))**2).mean())
        return outputs


class ToyDataset(Dataset):
    metainfo = dict(classes=('a', ))

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(
            inputs=torch.tensor([float(i), 1.0]),
            targets=torch.tensor([2.0 * i]))


class EpochMetric(BaseMetric):
    """``acc`` = the epoch just trained, so every validation is a new best."""

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        return dict(acc=float(MessageHub.get_current_instance().get_info(
            'epoch')))


def build_runner(work_dir,
                 hook='lt_mm.AtomicCheckpointHook',
                 max_epochs=3,
                 max_keep_ckpts=-1,
                 save_best=None,
                 resume=False):
    loader = dict(
        dataset=ToyDataset(),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=4,
        num_workers=0)
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
        val_dataloader=loader,
        val_cfg=dict(),
        val_evaluator=Evaluator([EpochMetric()]),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.001)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(
                type=hook,
                interval=1,
                max_keep_ckpts=max_keep_ckpts,
                save_best=save_best,
                rule='greater' if save_best else None)),
        resume=resume,
        randomness=dict(seed=0),
        experiment_name=f'toy_{uuid.uuid4().hex}',
        log_level='INFO')


def install_kill(name: str, nth: int) -> None:
    """Die halfway through the ``nth`` write of the file ``name``."""
    real_open = builtins.open
    seen = [0]

    class HalfThenDie:

        def __init__(self, file):
            self._file = file

        def write(self, data):
            self._file.write(data[:len(data) // 2])
            self._file.flush()
            os.fsync(self._file.fileno())
            os._exit(KILLED)

        def __getattr__(self, attr):
            return getattr(self._file, attr)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._file.__exit__(*exc)

    def dying_open(file, mode='r', *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        base = osp.basename(str(file))
        if any(m in mode for m in 'wx') and (
                base == name or base.startswith(f'.{name}.')):
            seen[0] += 1
            if seen[0] == nth:
                return HalfThenDie(f)
        return f

    builtins.open = dying_open


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('work_dir')
    parser.add_argument('--hook', default='lt_mm.AtomicCheckpointHook')
    parser.add_argument('--max-epochs', type=int, default=3)
    parser.add_argument('--max-keep-ckpts', type=int, default=-1)
    parser.add_argument('--save-best')
    parser.add_argument('--resume', action='store_true')
    parser.add_argument('--kill-at', help='NAME:N')
    args = parser.parse_args(argv)
    import lt_mm  # noqa: F401  (registers the hook, weights-only loading)
    runner = build_runner(args.work_dir, args.hook, args.max_epochs,
                          args.max_keep_ckpts, args.save_best, args.resume)
    if args.kill_at:
        name, nth = args.kill_at.rsplit(':', 1)
        install_kill(name, int(nth))
    runner.train()


if __name__ == '__main__':
    sys.exit(main())
