"""lt_mm.RNGStateHook with MMEngine's own Runner on a toy model.

The toy draws from every generator training uses: its dataset augments with
numpy, ``random`` and torch (in the loader's workers, or in the main process
with ``num_workers=0``), its loss samples with torch and numpy in the main
process (as RPN / RoI sampling does) and accumulates a statistics buffer (as
Seesaw's counts do), and validation after every epoch draws too. A run that
is resumed from epoch 1's checkpoint must end with the uninterrupted run's
tensors, bit for bit.

What MMEngine 0.10.7 does without the hook (the reason for it): a resumed
process seeds its generators from the seed like a new run
(mmengine/runner/runner.py L375-L376, ``set_randomness``) and
``Runner.resume`` restores no generator state; it only re-seeds when the
checkpoint's seed differs from the config's (L2051-L2060), after the
``after_load_checkpoint`` hooks (L2130). So a resumed run's sampling restarts
the seed's sequence, and ``mmengine.dataset.worker_init_fn`` seeds a worker
from ``seed + worker_id + num_workers * rank`` alone
(mmengine/dataset/utils.py L36-L39), so resumed persistent workers replay
epoch 0's augmentation. ``test_without_the_hook_a_resumed_run_differs`` shows
that the toy detects this.
"""
import multiprocessing
import os
import random
import socket

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import lt_mm  # noqa: F401  (registers lt_mm.RNGStateHook)

_RUNS = iter(range(10**6))  # distinct experiment names within a process


class NoisyDataset(Dataset):
    """Eight samples, each augmented with one draw of every generator."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        noise = np.random.rand() + random.random() + torch.rand(()).item()
        return dict(inputs=torch.tensor([float(index), noise]),
                    data_samples=float(index))


class NoisyModel(BaseModel):
    """A linear model whose loss samples like an RoI sampler and counts
    like Seesaw."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        # fixed start, so runs differ only in what they draw while training
        nn.init.constant_(self.linear.weight, 0.5)
        nn.init.zeros_(self.linear.bias)
        self.register_buffer('counts', torch.zeros(2, dtype=torch.float64))
        self.losses = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs)).squeeze(1)
        if mode == 'predict':
            torch.rand(1)  # validation draws too
            return list(out.detach())
        targets = torch.tensor(data_samples)
        weights = torch.rand(len(out)) * float(np.random.rand() + 0.5)
        self.counts += torch.stack([weights.sum(), out.detach().sum()])
        loss = (weights * (out - targets)**2).mean()
        self.losses.append(loss.item())
        return dict(loss=loss)


class CountMetric(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        return dict(n=len(results))


class TrainRNGProbe(Hook):
    """Records torch's generator state as each training epoch starts."""
    priority = 'LOWEST'

    def __init__(self):
        self.states = []

    def before_train_epoch(self, runner):
        self.states.append(torch.get_rng_state())


def train(work_dir,
          epochs=3,
          num_workers=1,
          persistent_workers=True,
          seed=0,
          resume_from=None,
          load_from=None,
          hook=True,
          launcher='none'):
    """Train the toy; returns its final state, its losses, the probe and the
    runner's seed."""
    model, probe = NoisyModel(), TrainRNGProbe()
    default_hooks = dict(
        checkpoint=dict(type='CheckpointHook', interval=1),
        logger=dict(type='LoggerHook', interval=1))
    if hook:
        default_hooks['rng_state'] = dict(type='lt_mm.RNGStateHook')
    loader = dict(
        dataset=NoisyDataset(),
        sampler=dict(type='DefaultSampler', shuffle=True),
        batch_size=2,
        num_workers=num_workers,
        persistent_workers=persistent_workers)
    runner = Runner(
        model=model,
        work_dir=str(work_dir),
        experiment_name=f'toy_{os.getpid()}_{next(_RUNS)}',
        train_dataloader=loader,
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        train_cfg=dict(by_epoch=True, max_epochs=epochs, val_interval=1),
        val_dataloader=dict(loader, num_workers=0, persistent_workers=False,
                            sampler=dict(type='DefaultSampler',
                                         shuffle=False)),
        val_cfg=dict(),
        val_evaluator=Evaluator(CountMetric()),
        default_hooks=default_hooks,
        custom_hooks=[probe],
        randomness=dict(seed=seed),
        launcher=launcher,
        cfg=dict(model_wrapper_cfg=dict(
            type='lt_mm.CPUDistributedDataParallel')),
        resume=resume_from is not None,
        load_from=resume_from or load_from,
        default_scope='mmengine')
    runner.train()
    # Stop the persistent workers now. The runner is freed only by the
    # garbage collector (its loops point back at it), which finalises the
    # index queues first, so the stop signal never reaches the workers and
    # torch waits 5 s (MP_STATUS_CHECK_INTERVAL) for each before it
    # terminates it: over a minute of a later test's time in the suite.
    iterator = runner.train_loop.dataloader._iterator
    if iterator is not None:
        iterator._shutdown_workers()
    return model.state_dict(), model.losses, probe, runner.seed


def assert_same_state(first, second):
    assert first.keys() == second.keys()
    for key in first:
        assert torch.equal(first[key], second[key]), key


@pytest.mark.parametrize('num_workers,persistent_workers',
                         [(0, False), (1, True), (2, True), (2, False)])
def test_resumed_run_equals_uninterrupted_run(tmp_path, num_workers,
                                              persistent_workers):
    whole, whole_losses, _, _ = train(
        tmp_path / 'whole',
        num_workers=num_workers,
        persistent_workers=persistent_workers)
    resumed, resumed_losses, _, _ = train(
        tmp_path / 'resumed',
        num_workers=num_workers,
        persistent_workers=persistent_workers,
        resume_from=str(tmp_path / 'whole' / 'epoch_1.pth'))
    assert_same_state(whole, resumed)
    # 4 steps an epoch; the resumed run made epochs 2 and 3
    assert len(whole_losses) == 12 and resumed_losses == whole_losses[4:]


def test_without_the_hook_a_resumed_run_differs(tmp_path):
    whole, whole_losses, _, _ = train(tmp_path / 'whole', hook=False)
    resumed, resumed_losses, _, _ = train(
        tmp_path / 'resumed',
        hook=False,
        resume_from=str(tmp_path / 'whole' / 'epoch_1.pth'))
    assert not torch.equal(whole['counts'], resumed['counts'])
    assert resumed_losses != whole_losses[4:]


def test_persistent_and_fresh_workers_augment_alike(tmp_path):
    """Workers seeded by epoch draw epoch 2's augmentation whether they were
    started for epoch 1 (persistent) or for epoch 2. MMEngine's start-up
    seeding continues epoch 1's sequence in the first case and replays it in
    the second."""
    runs = {}
    for persistent in (True, False):
        _, losses, _, _ = train(
            tmp_path / str(persistent),
            epochs=2,
            persistent_workers=persistent)
        runs[persistent] = losses
    assert runs[True] == runs[False]


def test_resume_restores_the_seed_of_an_unseeded_run(tmp_path):
    """With ``seed=None`` the resumed process draws a new seed and builds its
    sampler from it; the checkpoint's seed and sampler seed come back."""
    whole, whole_losses, _, seed = train(tmp_path / 'whole', seed=None)
    resumed, resumed_losses, _, resumed_seed = train(
        tmp_path / 'resumed',
        seed=None,
        resume_from=str(tmp_path / 'whole' / 'epoch_1.pth'))
    assert resumed_seed == seed
    assert_same_state(whole, resumed)
    assert resumed_losses == whole_losses[4:]


def test_load_from_leaves_the_generators_seeded(tmp_path):
    """Loading weights (``load_from``) starts a new run: its first epoch
    draws what a fresh run with the same seed draws."""
    train(tmp_path / 'whole', epochs=1)
    _, _, fresh, _ = train(tmp_path / 'fresh', epochs=1, seed=1)
    _, _, loaded, _ = train(
        tmp_path / 'loaded',
        epochs=1,
        seed=1,
        load_from=str(tmp_path / 'whole' / 'epoch_1.pth'))
    assert torch.equal(fresh.states[0], loaded.states[0])


def test_checkpoint_rng_state_loads_weights_only(tmp_path):
    train(tmp_path, epochs=1)
    checkpoint = torch.load(tmp_path / 'epoch_1.pth', weights_only=True)
    state = checkpoint['rng_state']
    assert len(state['ranks']) == 1 and state['sampler_seed'] == 0
    assert set(state['ranks'][0]) >= {'python', 'numpy', 'torch'}


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _train_rank(rank, port, work_dir, results):
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE='2',
                      MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.distributed.init_process_group('gloo')
    try:
        whole, whole_losses, _, _ = train(
            work_dir / 'whole', launcher='pytorch')
        resumed, resumed_losses, _, _ = train(
            work_dir / 'resumed',
            launcher='pytorch',
            resume_from=str(work_dir / 'whole' / 'epoch_1.pth'))
        same = all(torch.equal(whole[k], resumed[k]) for k in whole)
        # each rank makes 2 steps an epoch
        results.put((rank, same, len(whole_losses) == 6
                     and resumed_losses == whole_losses[2:], whole_losses))
    finally:
        torch.distributed.destroy_process_group()


def test_resumed_run_equals_uninterrupted_run_on_two_ranks(tmp_path):
    """Two gloo processes with DDP: the checkpoint holds both ranks' states
    and each rank gets its own back."""
    context = multiprocessing.get_context('fork')
    results = context.Queue()
    port = _free_port()
    processes = [
        context.Process(target=_train_rank,
                        args=(rank, port, tmp_path, results))
        for rank in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert [(rank, same, losses) for rank, same, losses, _ in outcomes] == \
        [(0, True, True), (1, True, True)]
    # the ranks loaded different shards and sampled differently
    assert outcomes[0][3] != outcomes[1][3]
    checkpoint = torch.load(tmp_path / 'whole' / 'epoch_1.pth',
                            weights_only=True)
    assert len(checkpoint['rng_state']['ranks']) == 2
