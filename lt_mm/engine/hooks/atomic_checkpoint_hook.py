import os.path as osp

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook

from lt_mm.registry import HOOKS
from ..atomic_local_backend import (ATOMIC_LOCAL_BACKEND, atomic_write,
                                    remove_stale_partial_files)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` whose saves survive a kill.

    MMEngine 0.10.7 writes a checkpoint straight into its final name, writes
    ``last_checkpoint`` the same way and, with ``max_keep_ckpts`` (or a new
    best checkpoint), deletes the previous checkpoint *before* writing the
    next one. A run killed during a save is then left with a truncated file
    under the final name and, with ``max_keep_ckpts=1``, a
    ``last_checkpoint`` that names a deleted file: nothing to resume from.

    This hook keeps every argument and file name of ``CheckpointHook`` and
    changes the order and the writes:

    1. the checkpoint is written to a hidden temporary file in the same
       directory, flushed, fsynced and renamed onto its final name
       (:class:`lt_mm.engine.atomic_local_backend.AtomicLocalBackend`);
    2. only then is ``last_checkpoint`` rewritten, atomically too;
    3. only then are the checkpoints that ``max_keep_ckpts`` drops, or the
       previous best checkpoint (``save_best``), deleted.

    A kill at any moment therefore leaves ``last_checkpoint`` naming a
    complete checkpoint. The new checkpoint's message hub still lists the
    checkpoint it replaces, so a run resumed from it after a kill before
    step 3 deletes that one in ``before_train``, as ``CheckpointHook`` does
    with outdated ids; temporary files of killed writes are removed there
    too.

    Atomic renames need a local directory. For an ``out_dir`` on another
    storage backend (``backend_args``, a URI prefix) the writes are the
    backend's own, and only the order of steps 1-3 applies.

    Args:
        *args: As :class:`mmengine.hooks.CheckpointHook`.
        file_client_args (dict, optional): Not supported (deprecated by
            MMEngine); use ``backend_args``. Defaults to None.
        **kwargs: As :class:`mmengine.hooks.CheckpointHook`.
    """

    def __init__(self, *args, file_client_args=None, **kwargs) -> None:
        if file_client_args is not None:
            raise ValueError(
                'AtomicCheckpointHook writes through backend_args; '
                'file_client_args (deprecated by MMEngine) bypasses it. '
                'Pass backend_args instead.')
        super().__init__(*args, **kwargs)
        self.atomic = False

    def before_train(self, runner) -> None:
        out_dir = runner.work_dir if self.out_dir is None else self.out_dir
        backend = get_file_backend(out_dir, backend_args=self.backend_args)
        self.atomic = isinstance(backend, LocalBackend)
        if self.atomic:
            self.backend_args = dict(backend=ATOMIC_LOCAL_BACKEND)
        else:
            runner.logger.warning(
                f'checkpoints go to {type(backend).__name__}: they are '
                'written by that backend (no atomic rename), old ones are '
                'deleted after the new one is written')
        super().before_train(runner)
        if self.atomic and is_main_process():
            for directory in sorted({self.out_dir, runner.work_dir}):
                for path in remove_stale_partial_files(directory):
                    runner.logger.info(
                        f'removed {path}, left by a save that was killed')

    def _write_last_checkpoint(self, runner) -> None:
        path = osp.join(runner.work_dir, 'last_checkpoint')
        if self.atomic:
            atomic_write(self.last_ckpt, path)
        else:
            with open(path, 'w') as f:
                f.write(self.last_ckpt)

    def _remove_checkpoint(self, path: str) -> bool:
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # DeepSpeed saves directories
            self.file_backend.rmtree(path)
        else:
            return False
        return True

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        outdated = []
        # _save_checkpoint and _save_best_checkpoint both save epoch `step`
        # when a new best arrives: keep the id once
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids[0])
            # saved with the outdated id still listed, for before_train of
            # a run resumed before the outdated file is gone
            runner.message_hub.update_info(
                'keep_ckpt_ids', list(self.keep_ckpt_ids) + [step])
            self.keep_ckpt_ids.append(step)  # maxlen drops the outdated id

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if outdated:
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        # runner.save_checkpoint writes on the main process only
        if not is_main_process():
            return
        self._write_last_checkpoint(runner)
        for old_step in outdated:
            self._remove_checkpoint(
                self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(old_step)))

    def _best_paths(self) -> dict:
        if len(self.key_indicators) == 1:
            return {None: self.best_ckpt_path}
        return dict(self.best_ckpt_path_dict)

    def _set_best_paths(self, paths: dict) -> None:
        if len(self.key_indicators) == 1:
            self.best_ckpt_path = paths[None]
        else:
            self.best_ckpt_path_dict.update(paths)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self.save_best:
            return
        previous = self._best_paths()
        # CheckpointHook deletes the previous best before writing the new
        # one; it is shown none and the previous one goes once the new one
        # (and the checkpoint that records it) is in place
        self._set_best_paths(dict.fromkeys(previous))
        try:
            super()._save_best_checkpoint(runner, metrics)
        except BaseException:
            self._set_best_paths(previous)
            raise
        current = self._best_paths()
        kept = {key: path if current[key] is None else current[key]
                for key, path in previous.items()}
        self._set_best_paths(kept)
        if not is_main_process():
            return
        for key, old in previous.items():
            if old is not None and kept[key] != old and \
                    self._remove_checkpoint(old):
                runner.logger.info(
                    f'The previous best checkpoint {old} is removed')
