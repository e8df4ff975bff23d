"""A resumed training run that draws the same random numbers as an
uninterrupted one."""
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from torch import Generator
from torch.utils.data import IterableDataset

from lt_mm.core.rng_state import capture_rng_state, restore_rng_state
from lt_mm.registry import HOOKS
from ..epoch_worker_seeding import EpochWorkerSeeding


def _train_sampler(loader):
    """The loader's index sampler (inside its batch sampler when it has
    one), as MMEngine's ``DistSamplerSeedHook`` finds it."""
    if loader.batch_sampler is not None and hasattr(loader.batch_sampler,
                                                    'sampler'):
        return loader.batch_sampler.sampler
    return loader.sampler


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Checkpoints the random state of training and seeds workers by epoch.

    A run resumed from the checkpoint of epoch ``e`` then repeats the
    uninterrupted run's epochs ``e + 1 ..`` draw for draw: the same RPN / RoI
    samples, the same augmentation, and on the CPU with
    ``randomness=dict(deterministic=True)`` bit-identical weights, buffers and
    losses. What the hook does:

    * At the end of each training epoch it captures every generator of each
      rank (``random``, numpy, torch CPU and CUDA, see
      :mod:`lt_mm.core.rng_state`), and sets them back at the start of the
      next epoch, so draws made in between (validation, the checkpoint
      hook) do not shift training's sequence. The epoch-end states of all
      ranks go into each checkpoint under ``rng_state``, with the train
      sampler's seed.
    * On resume (the loop stands at the checkpoint's iteration; loading
      weights with ``load_from`` restores nothing) the first epoch starts
      from the checkpoint's states. They are read in
      ``after_load_checkpoint`` but applied only after ``before_train``:
      MMEngine 0.10.7's ``Runner.resume`` runs that hook first and then
      re-seeds every generator when the checkpoint's seed differs from the
      config's (always when the config's seed is None). The train sampler
      was built before resuming, from the new process's seed, so it gets
      the checkpoint's sampler seed back.
    * Data-loader workers reseed from ``(seed, epoch, rank, worker_id)`` at
      every epoch (:class:`EpochWorkerSeeding`), with persistent workers or
      not. The loader's iterator draws its workers' base seed from its own
      generator instead of the global one: only the first epoch of a
      process creates a persistent-worker iterator, and that draw would
      otherwise shift a resumed run's sequence.

    Checkpoints saved in the middle of an epoch (``by_epoch=False`` saving,
    iteration-based loops) carry no RNG state, and resuming from one says
    so. Equality also needs the same world size and ``num_workers`` as the
    interrupted run.
    """
    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._worker_seeding = None
        # this rank's state at the end of the last epoch, set back at the
        # start of the next; None while an epoch runs
        self._epoch_end_state = None
        self._epoch_end_states = None  # all ranks', for checkpoints
        self._loaded = None

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        self._resume(runner, loader)
        loader.generator = Generator().manual_seed(runner.seed)
        if loader.num_workers == 0:
            return  # the main process's generators load the data
        if isinstance(loader.dataset, IterableDataset) or \
                loader.batch_sampler is None:
            runner.logger.warning(
                'RNGStateHook seeds data-loader workers by epoch only for '
                'map-style datasets loaded in batches; the workers of this '
                'loader keep their start-up seeds, so a resumed run '
                'augments differently from an uninterrupted one')
            return
        self._worker_seeding = EpochWorkerSeeding(runner.seed, get_rank(),
                                                  loader.worker_init_fn)
        loader.worker_init_fn = self._worker_seeding

    def _resume(self, runner, loader) -> None:
        if self._loaded is None:
            return
        meta, saved = self._loaded
        self._loaded = None
        if runner.iter != meta.get('iter') or runner.iter == 0:
            return  # weights loaded with load_from: not a resume
        if saved is None:
            runner.logger.warning(
                'the resumed checkpoint carries no RNG state (saved before '
                'lt_mm.RNGStateHook, or in the middle of an epoch): the run '
                "continues with the config's seed and will not repeat the "
                "interrupted run's random draws")
            return
        states = saved['ranks']
        if len(states) != get_world_size():
            runner.logger.warning(
                f'the resumed checkpoint holds the RNG state of '
                f'{len(states)} processes, this run has '
                f'{get_world_size()}: the generators keep their seeds')
            return
        self._epoch_end_state = states[get_rank()]
        sampler = _train_sampler(loader)
        if saved.get('sampler_seed') is not None and hasattr(sampler, 'seed'):
            sampler.seed = saved['sampler_seed']

    def before_train_epoch(self, runner) -> None:
        if self._epoch_end_state is not None:
            restore_rng_state(self._epoch_end_state)
        self._epoch_end_state = self._epoch_end_states = None
        if self._worker_seeding is not None:
            self._worker_seeding.set_epoch(runner.epoch)

    def after_train_epoch(self, runner) -> None:
        self._epoch_end_state = capture_rng_state()
        # every rank takes part; only the master writes the checkpoint
        self._epoch_end_states = all_gather_object(self._epoch_end_state)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._epoch_end_states is None:
            return  # mid-epoch: other ranks' states are out of reach
        sampler_seed = getattr(
            _train_sampler(runner.train_dataloader), 'seed', None)
        checkpoint['rng_state'] = dict(
            ranks=self._epoch_end_states,
            sampler_seed=None if sampler_seed is None else int(sampler_seed))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = (checkpoint.get('meta', {}),
                        checkpoint.get('rng_state'))
